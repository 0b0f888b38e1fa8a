using GeoSSL.Cli;

namespace GeoSSL.Tests.Cli;

/// <summary><c>geossl detect-changes</c> on the real OSCD change cities: train, score with the saved model, bad input.</summary>
[TestClass]
public sealed class CliDetectChangesTests
{
    private static string Cities => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-change"));

    private static string Row(string output, string city) =>
        output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith($"│ {city} ", StringComparison.Ordinal));

    [TestMethod]
    public void DetectChanges_TrainsScoresAndDrawsOverlays_AndTheSavedModelScoresTheSame()
    {
        string trained = TestData.TempFolder("cli-change-train");
        var train = CliHost.Run("detect-changes", "--cities", Cities, "--train", "bercy,paris", "--validation", "nantes", "--test", "pisa",
            "--epochs", "1", "--windows", "16", "--width", "8", "--device", "cpu", "--out", trained);
        Assert.AreEqual(ExitCodes.Success, train.ExitCode, train.ToString());
        string model = Path.Combine(trained, "change.ckpt");
        Assert.IsTrue(File.Exists(model));
        CliHost.AssertPicture(Path.Combine(trained, "pisa.png"));
        CliHost.AssertPicture(Path.Combine(trained, "loss.png"));
        StringAssert.Contains(train.Out, "change threshold");

        string scored = TestData.TempFolder("cli-change-score");
        var score = CliHost.Run("detect-changes", "--model", model, "--cities", Cities, "--names", "pisa,beihai", "--device", "cpu", "--out", scored);
        Assert.AreEqual(ExitCodes.Success, score.ExitCode, score.ToString());
        Assert.AreEqual(Row(train.Out, "pisa"), Row(score.Out, "pisa"), "the saved model scores pisa as the trained one did");
        var beihai = Row(score.Out, "beihai").Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(6, beihai);
        Assert.IsTrue(beihai.Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).All(v => v is >= 0 and <= 1), Row(score.Out, "beihai"));
        CliHost.AssertPicture(Path.Combine(scored, "beihai.png"));
        StringAssert.Contains(CliHost.Run("info", model).Out, "change-detection");
    }

    [TestMethod]
    public void DetectChanges_CancelledAfterTheFirstStep_Exits130WithATrainingCheckpoint_AndResumeFinishes()
    {
        string outDir = TestData.TempFolder("cli-change-cancel");
        string[] args = ["detect-changes", "--cities", Cities, "--train", "bercy", "--validation", "nantes", "--test", "pisa",
            "--epochs", "2", "--windows", "16", "--width", "8", "--device", "cpu", "--out", outDir];
        using var stop = new CancellationTokenSource();
        var stopped = CliHost.Run(p => { if (!p.IsEpochEnd) stop.Cancel(); }, stop.Token, args);
        Assert.AreEqual(ExitCodes.Cancelled, stopped.ExitCode, stopped.ToString());
        string checkpoint = Path.Combine(outDir, "training.ckpt");
        Assert.IsTrue(File.Exists(checkpoint), stopped.ToString());
        StringAssert.Contains(stopped.Error, $"--resume {checkpoint}");
        Assert.IsFalse(File.Exists(Path.Combine(outDir, "change.ckpt")), "a stopped run saves no model");

        var resumed = CliHost.Run([.. args, "--resume", checkpoint]);
        Assert.AreEqual(ExitCodes.Success, resumed.ExitCode, resumed.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "change.ckpt")));
        StringAssert.Matches(CliHost.Run("info", checkpoint).Out, new System.Text.RegularExpressions.Regex(@"epochs done / planned\s*│\s*2 / 2"));
    }

    [TestMethod]
    public void DetectChanges_BadInput_IsOneLineAndExitCode2()
    {
        string outDir = TestData.TempFolder("cli-change-bad");
        string png = Path.Combine(Cities, "pisa", "t1.png");
        CliHost.AssertBadInput(CliHost.Run("detect-changes", "--model", png, "--cities", Cities, "--out", outDir), "not a GeoSSL");
        string nowhere = Path.Combine(outDir, "no-cities");
        CliHost.AssertBadInput(CliHost.Run("detect-changes", "--cities", nowhere, "--out", outDir), nowhere);
        CliHost.AssertBadInput(CliHost.Run("detect-changes", "--cities", Cities, "--train", "atlantis", "--out", outDir), "atlantis");
        CliHost.AssertBadInput(CliHost.Run("detect-changes", "--cities", Cities, "--threshold", "2", "--out", outDir), "--threshold");
    }
}
