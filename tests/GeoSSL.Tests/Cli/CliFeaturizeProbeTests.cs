using GeoSSL.Cli;
using Parquet;

namespace GeoSSL.Tests.Cli;

/// <summary><c>geossl featurize</c> and <c>geossl probe</c> with an encoder pretrained once by the tool itself.</summary>
[TestClass]
public sealed class CliFeaturizeProbeTests
{
    private static string run = "";
    private static string labelled = "";

    [ClassInitialize]
    public static void PretrainOnce(TestContext _)
    {
        var dir = TestData.TempFolder("cli-features");
        run = Path.Combine(dir, "run");
        var outcome = CliHost.Run(CliHost.TinyPretrain(CliHost.OscdManifest(dir, 32), run, epochs: 1));
        Assert.AreEqual(ExitCodes.Success, outcome.ExitCode, outcome.ToString());
        labelled = CliHost.EuroSatManifest(dir, 5); // 60 patches, 6 per class
    }

    [TestMethod]
    public void Featurize_ToCsv_OneRowPerImage_WithLabelsAndEveryFeature()
    {
        string csv = Path.Combine(TestData.TempFolder("cli-featurize-csv"), "features.csv");
        var outcome = CliHost.Run("featurize", "--model", Path.Combine(run, "featurizer.zip"), "--manifest", labelled, "--out", csv);
        Assert.AreEqual(ExitCodes.Success, outcome.ExitCode, outcome.ToString());
        var lines = File.ReadAllLines(csv);
        Assert.HasCount(61, lines);
        var header = lines[0].Split(',');
        CollectionAssert.AreEqual(new[] { "ImagePath", "Label", "f0" }, header.Take(3).ToArray());
        Assert.HasCount(2 + 64, header);
        var first = lines[1].Split(',');
        Assert.AreEqual("AnnualCrop", first[1]);
        var values = first.Skip(2).Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.IsTrue(values.All(float.IsFinite) && values.Any(v => v != 0), "finite, non-zero features");
    }

    [TestMethod]
    public void Featurize_WithTheImageNetPreset_WritesItsPooledStatistics_AndViewsChangeThem()
    {
        var dir = TestData.TempFolder("cli-featurize-imagenet");
        string manifest = Path.Combine(dir, "few.csv");
        File.WriteAllLines(manifest, File.ReadAllLines(labelled).Take(5));
        float[] FirstRow(string csv, params string[] extra)
        {
            var outcome = CliHost.Run(["featurize", "--model", "imagenet", "--manifest", manifest, "--out", csv, .. extra]);
            Assert.AreEqual(ExitCodes.Success, outcome.ExitCode, outcome.ToString());
            var lines = File.ReadAllLines(csv);
            Assert.HasCount(5, lines);
            Assert.HasCount(2 + 1920, lines[0].Split(','), "ImagePath, Label and the means and stds of layer1-4");
            return lines[1].Split(',').Skip(2).Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        var mirrored = FirstRow(Path.Combine(dir, "mirrored.csv"));
        var single = FirstRow(Path.Combine(dir, "single.csv"), "--views", "none");
        Assert.IsTrue(mirrored.All(float.IsFinite) && mirrored.Zip(single).Any(p => Math.Abs(p.First - p.Second) > 1e-3), "the preset's mirror view changes the features");

        CliHost.AssertBadInput(CliHost.Run("featurize", "--model", "imagenet", "--manifest", manifest, "--out", Path.Combine(dir, "x.csv"), "--views", "sideways"), "--views");
        CliHost.AssertBadInput(CliHost.Run("featurize", "--model", Path.Combine(run, "featurizer.zip"), "--manifest", manifest, "--out", Path.Combine(dir, "y.csv"),
            "--views", "hflip"), "--views");
    }

    [TestMethod]
    public void Featurize_KeepsAnyLabelColumnUnderItsOwnName()
    {
        var dir = TestData.TempFolder("cli-featurize-class");
        string manifest = Path.Combine(dir, "classes.csv");
        File.WriteAllLines(manifest, File.ReadAllLines(labelled).Take(7).Select((l, i) => i == 0 ? "Class,ImagePath" : $"{l.Split(',')[1]},{l.Split(',')[0]}"));
        string csv = Path.Combine(dir, "features.csv");
        var outcome = CliHost.Run("featurize", "--model", Path.Combine(run, "encoder.onnx"), "--manifest", manifest, "--label-column", "Class", "--out", csv);
        Assert.AreEqual(ExitCodes.Success, outcome.ExitCode, outcome.ToString());
        var lines = File.ReadAllLines(csv);
        Assert.HasCount(7, lines);
        StringAssert.StartsWith(lines[0], "ImagePath,Class,f0,");
        Assert.AreEqual("AnnualCrop", lines[1].Split(',')[1]);
    }

    [TestMethod]
    public async Task Featurize_ToParquet_FromAFolderAndACheckpoint_ReadsBackWithParquetNet()
    {
        string parquet = Path.Combine(TestData.TempFolder("cli-featurize-parquet"), "features.parquet");
        string folder = Path.Combine(TestData.EuroSatFolder, "images", "River");
        var outcome = CliHost.Run("featurize", "--model", Path.Combine(run, "checkpoint.ckpt"), "--images", folder, "--out", parquet);
        Assert.AreEqual(ExitCodes.Success, outcome.ExitCode, outcome.ToString());
        int images = Directory.GetFiles(folder, "*.jpg").Length;
        using var stream = File.OpenRead(parquet);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        Assert.HasCount(1 + 64, fields, "ImagePath and f0..f63, no Label for a folder");
        Assert.AreEqual("ImagePath", fields[0].Name);
        using var group = reader.OpenRowGroupReader(0);
        Assert.AreEqual(images, (int)group.RowCount);
        var f5 = new float[images];
        await group.ReadAsync(fields[6], f5.AsMemory());
        Assert.AreEqual("f5", fields[6].Name);
        Assert.IsTrue(f5.All(float.IsFinite) && f5.Any(v => v != 0), "finite, non-zero features");
    }

    [TestMethod]
    public void Featurize_BadInput_IsOneLineAndExitCode2()
    {
        var dir = TestData.TempFolder("cli-featurize-bad");
        string model = Path.Combine(run, "featurizer.zip");
        CliHost.AssertBadInput(CliHost.Run("featurize", "--model", model, "--manifest", labelled, "--out", Path.Combine(dir, "f.txt")), "f.txt");
        string png = Path.Combine(TestData.OscdFolder, File.ReadAllLines(TestData.OscdManifest)[1].Split(',')[0]);
        CliHost.AssertBadInput(CliHost.Run("featurize", "--model", png, "--manifest", labelled, "--out", Path.Combine(dir, "f.csv")), png);
        CliHost.AssertBadInput(CliHost.Run("featurize", "--model", model, "--out", Path.Combine(dir, "f.csv")), "--manifest or --images");
        CliHost.AssertBadInput(CliHost.Run("featurize", "--model", model, "--manifest", labelled, "--image-column", "Path", "--out", Path.Combine(dir, "f.csv")), "'Path'");
        string broken = Path.Combine(dir, "broken.csv");
        File.WriteAllLines(broken, ["ImagePath", Path.Combine(dir, "missing.png")]);
        CliHost.AssertBadInput(CliHost.Run("featurize", "--model", model, "--manifest", broken, "--out", Path.Combine(dir, "f.csv")), "missing.png");
    }

    [TestMethod]
    public void Probe_PrintsLinearAndKnnScores_AndWritesReportAndConfusionMatrix()
    {
        string outDir = TestData.TempFolder("cli-probe");
        var outcome = CliHost.Run("probe", "--model", Path.Combine(run, "encoder.onnx"), "--manifest", labelled, "--k", "5", "--out", outDir);
        Assert.AreEqual(ExitCodes.Success, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Out, "48 train / 12 test images, 64 features");
        StringAssert.Contains(outcome.Out, "kNN F1 (k=5)");
        var top1 = System.Text.RegularExpressions.Regex.Match(outcome.Out, @"Linear probe top-1 ([0-9.]+)%, kNN top-1 ([0-9.]+)%");
        Assert.IsTrue(top1.Success, outcome.Out);
        foreach (var g in new[] { top1.Groups[1], top1.Groups[2] })
            Assert.IsTrue(double.Parse(g.Value, System.Globalization.CultureInfo.InvariantCulture) is >= 0 and <= 100);
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        StringAssert.Contains(report, "| linear probe |");
        StringAssert.Contains(report, "| SeaLake |");
        CliHost.AssertPicture(Path.Combine(outDir, "confusion.png"));
    }

    [TestMethod]
    public void Probe_BadInput_IsOneLineAndExitCode2()
    {
        string outDir = TestData.TempFolder("cli-probe-bad");
        string model = Path.Combine(run, "encoder.onnx");
        CliHost.AssertBadInput(CliHost.Run("probe", "--model", model, "--manifest", labelled, "--label-column", "Class", "--out", outDir), "'Class'");
        CliHost.AssertBadInput(CliHost.Run("probe", "--model", model, "--manifest", labelled, "--validation-fraction", "1.5", "--out", outDir), "--validation-fraction");
        CliHost.AssertBadInput(CliHost.Run("probe", "--model", model, "--manifest", labelled, "--test", Path.Combine(outDir, "none.csv")), "none.csv");
    }
}
