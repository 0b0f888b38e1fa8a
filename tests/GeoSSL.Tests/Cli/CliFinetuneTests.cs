using GeoSSL.Cli;

namespace GeoSSL.Tests.Cli;

/// <summary><c>geossl finetune</c> on the bundled EuroSAT patches: outputs, charts, Ctrl+C and resume, bad input.</summary>
[TestClass]
public sealed class CliFinetuneTests
{
    private static string[] Tiny(string manifest, string outDir, int epochs) =>
        ["finetune", "--manifest", manifest, "--out", outDir, "--epochs", $"{epochs}", "--width", "8", "--image-size", "32", "--batch-size", "16", "--device", "cpu"];

    [TestMethod]
    public void Finetune_WritesClassifierFilesAndCharts_AndTheClassifierExportsAndDescribesItself()
    {
        var dir = TestData.TempFolder("cli-finetune");
        string outDir = Path.Combine(dir, "run");
        var outcome = CliHost.Run(Tiny(CliHost.EuroSatManifest(dir, 5), outDir, epochs: 1));
        Assert.AreEqual(ExitCodes.Success, outcome.ExitCode, outcome.ToString());
        foreach (var file in new[] { "classifier.zip", "classifier.onnx", "classifier.ckpt", "training.ckpt" })
            Assert.IsTrue(File.Exists(Path.Combine(outDir, file)), file);
        CliHost.AssertPicture(Path.Combine(outDir, "loss.png"));
        CliHost.AssertPicture(Path.Combine(outDir, "confusion.png"));
        StringAssert.Contains(outcome.Out, "on 12 images (48 trained on)", outcome.ToString());

        var info = CliHost.Run("info", Path.Combine(outDir, "classifier.ckpt"));
        Assert.AreEqual(ExitCodes.Success, info.ExitCode, info.ToString());
        StringAssert.Contains(info.Out, "10: AnnualCrop, Forest");
        var onnx = Path.Combine(dir, "again.onnx");
        var export = CliHost.Run("export", "--checkpoint", Path.Combine(outDir, "classifier.ckpt"), "--out", onnx);
        Assert.AreEqual(ExitCodes.Success, export.ExitCode, export.ToString());
        StringAssert.Contains(CliHost.Run("info", onnx).Out, "[N, 10]");
        var zip = CliHost.Run("info", Path.Combine(outDir, "classifier.zip"));
        Assert.AreEqual(ExitCodes.Success, zip.ExitCode, zip.ToString());
        StringAssert.Contains(zip.Out, "ML.NET model");
        // A classifier is not a featurizer: featurize says so in one line.
        CliHost.AssertBadInput(CliHost.Run("featurize", "--model", Path.Combine(outDir, "classifier.zip"), "--images",
            Path.Combine(TestData.EuroSatFolder, "images", "River"), "--out", Path.Combine(dir, "f.csv")), "adds no Features column");
    }

    [TestMethod]
    public void Finetune_CancelledAfterTheFirstStep_Exits130WithATrainingCheckpoint_AndResumeFinishes()
    {
        var dir = TestData.TempFolder("cli-finetune-cancel");
        string outDir = Path.Combine(dir, "run");
        var args = Tiny(CliHost.EuroSatManifest(dir, 5), outDir, epochs: 2);
        using var stop = new CancellationTokenSource();
        var stopped = CliHost.Run(p => { if (!p.IsEpochEnd) stop.Cancel(); }, stop.Token, args);
        Assert.AreEqual(ExitCodes.Cancelled, stopped.ExitCode, stopped.ToString());
        string checkpoint = Path.Combine(outDir, "training.ckpt");
        Assert.IsTrue(File.Exists(checkpoint), stopped.ToString());
        StringAssert.Contains(stopped.Error, "--resume");
        Assert.IsFalse(File.Exists(Path.Combine(outDir, "classifier.zip")));

        var resumed = CliHost.Run([.. args, "--resume", checkpoint]);
        Assert.AreEqual(ExitCodes.Success, resumed.ExitCode, resumed.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "classifier.zip")));
        StringAssert.Matches(CliHost.Run("info", checkpoint).Out, new System.Text.RegularExpressions.Regex(@"epochs done / planned\s*│\s*2 / 2"));
    }

    [TestMethod]
    public void Finetune_BadInput_IsOneLineAndExitCode2()
    {
        var dir = TestData.TempFolder("cli-finetune-bad");
        string manifest = CliHost.EuroSatManifest(dir, 10);
        string missing = Path.Combine(dir, "nothing.ckpt");
        CliHost.AssertBadInput(CliHost.Run("finetune", "--manifest", manifest, "--encoder", missing, "--out", dir), missing);
        CliHost.AssertBadInput(CliHost.Run("finetune", "--manifest", manifest, "--lr", "-1", "--out", dir), "--lr");
        CliHost.AssertBadInput(CliHost.Run("finetune", "--manifest", manifest, "--arch", "vgg16", "--out", dir), "vgg16");
        CliHost.AssertBadInput(CliHost.Run("finetune", "--manifest", manifest, "--label-column", "Class", "--out", dir), "'Class'");
    }
}
