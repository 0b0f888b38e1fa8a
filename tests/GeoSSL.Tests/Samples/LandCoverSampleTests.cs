using System.Text.RegularExpressions;

namespace GeoSSL.Tests.Samples;

/// <summary>samples/GeoSSL.LandCover as a user runs it: ImageNet start, featurize, probe, evaluate, save, load, PredictionEngine.</summary>
[TestClass]
public sealed class LandCoverSampleTests
{
    private static readonly string[] Classes =
        ["AnnualCrop", "Forest", "HerbaceousVegetation", "Highway", "Industrial", "Pasture", "PermanentCrop", "Residential", "River", "SeaLake"];

    public TestContext TestContext { get; set; } = null!;

    private static string Dll => SampleRun.DllPath(Path.Combine("samples", "GeoSSL.LandCover"), "GeoSSL.LandCover");

    [TestMethod]
    public void LandCoverSample_ProbesAboveChance_SavesOneModel_AndPredictsWithAPredictionEngine()
    {
        var outDir = TestData.TempFolder("landcover-sample");
        string output = SampleRun.RunToEnd(Dll, ["--out", outDir, "--epochs", "1", "--image-size", "112"], TimeSpan.FromMinutes(4));
        TestContext.WriteLine(output);

        // 90 held-out patches of 10 classes: chance is 10%; ImageNet features at 112 px give about 80% here (85% at 224).
        double accuracy = SampleRun.Number(output, @"Test accuracy: ([0-9.]+)");
        Assert.IsGreaterThan(70.0, accuracy, output);
        foreach (var c in Classes) StringAssert.Contains(output, $"| {c} |", "per-class table row");
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "landcover.zip")), "one saved model");
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "encoder.onnx")), "the adapted encoder");
        var predicted = Regex.Match(output, @"PredictionEngine: \S+ -> (\w+) \(");
        Assert.IsTrue(predicted.Success, output);
        CollectionAssert.Contains(Classes, predicted.Groups[1].Value);

        // --encoder with the encoder the first run wrote: no pretraining, the same features, so the same probe and score.
        string again = SampleRun.RunToEnd(Dll, ["--out", TestData.TempFolder("landcover-sample-encoder"), "--encoder", Path.Combine(outDir, "encoder.onnx"), "--image-size", "112"],
            TimeSpan.FromMinutes(3));
        Assert.DoesNotContain("Pretrained", again);
        Assert.AreEqual(accuracy, SampleRun.Number(again, @"Test accuracy: ([0-9.]+)"), again);
    }
}
