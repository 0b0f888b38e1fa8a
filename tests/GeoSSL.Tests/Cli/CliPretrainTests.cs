using GeoSSL.Cli;

namespace GeoSSL.Tests.Cli;

/// <summary><c>geossl pretrain</c> on the bundled tiles: outputs, the round trip through <c>info</c>, Ctrl+C and resume, bad input.</summary>
[TestClass]
public sealed class CliPretrainTests
{
    [TestMethod]
    public void Pretrain_WritesCheckpointEncoderFeaturizerAndLossChart_AndInfoDescribesThem()
    {
        var dir = TestData.TempFolder("cli-pretrain");
        string manifest = CliHost.OscdManifest(dir, 40);
        string outDir = Path.Combine(dir, "run");
        var run = CliHost.Run(CliHost.TinyPretrain(manifest, outDir, epochs: 1));
        Assert.AreEqual(ExitCodes.Success, run.ExitCode, run.ToString());
        foreach (var file in new[] { "checkpoint.ckpt", "encoder.onnx", "featurizer.zip" })
            Assert.IsGreaterThan(10_000L, new FileInfo(Path.Combine(outDir, file)).Length, file);
        CliHost.AssertPicture(Path.Combine(outDir, "loss.png"));
        StringAssert.Contains(run.Out, "40 images, 20 locations, 4 geo clusters, 64 features per image", run.ToString());

        var info = CliHost.Run("info", Path.Combine(outDir, "checkpoint.ckpt"));
        Assert.AreEqual(ExitCodes.Success, info.ExitCode, info.ToString());
        StringAssert.Contains(info.Out, "pretraining");
        StringAssert.Contains(info.Out, "ResNet18, width 8, 3 input channels, 64 features");
        StringAssert.Contains(info.Out, "MoCoV2GeoTemporalPositives");
        StringAssert.Matches(info.Out, new System.Text.RegularExpressions.Regex(@"epochs done / planned\s*│\s*1 / 1"));
        StringAssert.Contains(info.Out, "data fingerprint");
        Assert.DoesNotContain("none (imported", info.Out, "a trained checkpoint records its data");

        var zip = CliHost.Run("info", Path.Combine(outDir, "featurizer.zip"));
        Assert.AreEqual(ExitCodes.Success, zip.ExitCode, zip.ToString());
        StringAssert.Matches(zip.Out, new System.Text.RegularExpressions.Regex(@"reads\s*│\s*ImagePath"), zip.ToString());
        StringAssert.Matches(zip.Out, new System.Text.RegularExpressions.Regex(@"adds\s*│.*Features \(Vector<Single, 1, 64>\)"), zip.ToString());

        var onnx = CliHost.Run("info", Path.Combine(outDir, "encoder.onnx"));
        Assert.AreEqual(ExitCodes.Success, onnx.ExitCode, onnx.ToString());
        StringAssert.Contains(onnx.Out, "[N, 3, 32, 32]");
        StringAssert.Contains(onnx.Out, "[N, 64]");
    }

    [TestMethod]
    public void Pretrain_CancelledAfterTheFirstStep_Exits130WithACheckpoint_AndResumeFinishesTheRun()
    {
        var dir = TestData.TempFolder("cli-pretrain-cancel");
        string manifest = CliHost.OscdManifest(dir, 48); // 3 steps per epoch
        string outDir = Path.Combine(dir, "run");
        var args = CliHost.TinyPretrain(manifest, outDir, epochs: 2);
        using var stop = new CancellationTokenSource();
        var stopped = CliHost.Run(p => { if (!p.IsEpochEnd && p.Step >= 1) stop.Cancel(); }, stop.Token, args);
        Assert.AreEqual(ExitCodes.Cancelled, stopped.ExitCode, stopped.ToString());
        string checkpoint = Path.Combine(outDir, "checkpoint.ckpt");
        Assert.IsTrue(File.Exists(checkpoint), stopped.ToString());
        StringAssert.Contains(stopped.Error, $"--resume {checkpoint}");
        Assert.IsFalse(File.Exists(Path.Combine(outDir, "featurizer.zip")), "a stopped run writes no final model");
        var interrupted = CliHost.Run("info", checkpoint);
        StringAssert.Contains(interrupted.Out, "stopped at step", interrupted.ToString());

        var resumed = CliHost.Run([.. args, "--resume", checkpoint]);
        Assert.AreEqual(ExitCodes.Success, resumed.ExitCode, resumed.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "featurizer.zip")));
        var info = CliHost.Run("info", checkpoint);
        StringAssert.Matches(info.Out, new System.Text.RegularExpressions.Regex(@"epochs done / planned\s*│\s*2 / 2"), info.ToString());
        StringAssert.Matches(info.Out, new System.Text.RegularExpressions.Regex(@"steps done\s*│\s*6\s"), info.ToString());
    }

    [TestMethod]
    public void Pretrain_BadInput_IsOneLineAndExitCode2()
    {
        var dir = TestData.TempFolder("cli-pretrain-bad");
        string missing = Path.Combine(dir, "nope.csv");
        CliHost.AssertBadInput(CliHost.Run("pretrain", "--manifest", missing, "--out", dir), missing);
        string manifest = CliHost.OscdManifest(dir, 8);
        CliHost.AssertBadInput(CliHost.Run("pretrain", "--manifest", manifest, "--out", dir, "--epochs", "0"), "--epochs");
        CliHost.AssertBadInput(CliHost.Run("pretrain", "--manifest", manifest, "--out", dir, "--device", "gpu"), "--device");
        CliHost.AssertBadInput(CliHost.Run("pretrain", "--manifest", manifest, "--out", dir, "--variant", "SimCLR"), "SimCLR");
        CliHost.AssertBadInput(CliHost.Run("pretrain", "--manifest", manifest, "--out", dir, "--bogus"), "--bogus");
        CliHost.AssertBadInput(CliHost.Run("pretrain", "--manifest", manifest), "--out");
        // A manifest without the location columns: the library's message names the file and the column.
        string noLocations = Path.Combine(dir, "labels.csv");
        File.WriteAllLines(noLocations, ["ImagePath,Label", $"{Path.Combine(TestData.EuroSatFolder, "images/Forest/Forest_1.jpg")},Forest"]);
        CliHost.AssertBadInput(CliHost.Run([.. CliHost.TinyPretrain(noLocations, Path.Combine(dir, "run"), 1)]), "LocationId");
    }
}
