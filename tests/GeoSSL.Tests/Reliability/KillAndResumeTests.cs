using GeoSSL.Core.Engine;
using System.Diagnostics;
using GeoSSL.Core.Training;
using GeoSSL.Data.Files;
using GeoSSL.Tests.MLNet;

namespace GeoSSL.Tests.Reliability;

/// <summary>
/// kill -9 of a real pretraining process (the sample program) in the middle of an epoch, then a resume: the checkpoint
/// it left is intact, the next run removes the dead writer's temporary files, and the resumed run ends with the same
/// step losses as an uninterrupted one.
/// </summary>
// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class KillAndResumeTests
{
    public TestContext TestContext { get; set; } = null!;

    // 320 bundled tiles, batch 32: 10 steps per epoch, a checkpoint every 3 steps, 3 epochs. One thread per run so the
    // two processes compute in the same order (and leave the test host's cores alone).
    private static readonly string[] Settings =
        ["--epochs", "3", "--batch-size", "32", "--image-size", "32", "--width", "16", "--checkpoint-every-steps", "3", "--device", "cpu", "--threads", "1"];

    private static readonly SampleProcess Sample = new("pretrain", Settings);

    private static List<float> StepLosses(string checkpoint)
    {
        using var trainer = Pretrainer.FromCheckpoint(checkpoint, "cpu");
        return TrainingCheckpoint.Verify(checkpoint).StepLosses.ToList();
    }

    /// <summary>Step losses of an uninterrupted run, shared by the tests.</summary>
    private static readonly Lazy<List<float>> Uninterrupted = new(() =>
    {
        var whole = TestData.TempFolder("kill-whole");
        Sample.RunToEnd("--out", whole);
        return StepLosses(Path.Combine(whole, "checkpoint.ckpt"));
    });

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Signal(int pid, int signal);

    private static Process StartAndWaitForCheckpoint(string folder) => Sample.StartAndWaitFor(Path.Combine(folder, "checkpoint.ckpt"), "--out", folder);

    [TestMethod]
    public void CtrlC_StopsWithinAStep_WritesACheckpoint_AndTheResumeMatches()
    {
        var expected = Uninterrupted.Value;
        var folder = TestData.TempFolder("ctrl-c");
        var checkpoint = Path.Combine(folder, "checkpoint.ckpt");
        string output;
        using (var p = StartAndWaitForCheckpoint(folder))
        {
            Assert.IsFalse(p.HasExited, "the run ended before Ctrl+C");
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.AreEqual(0, Signal(p.Id, 2)); // SIGINT, as Ctrl+C in a terminal
            var clock = Stopwatch.StartNew();
            output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            TestContext.WriteLine($"stopped {clock.ElapsedMilliseconds} ms after SIGINT: {output}{stderr.Result}");
            Assert.AreEqual(130, p.ExitCode);
        }
        StringAssert.Contains(output, "Continue with: --resume");
        var partial = StepLosses(checkpoint);
        Assert.IsLessThan(30, partial.Count);
        for (int i = 0; i < partial.Count; i++) Assert.AreEqual(expected[i], partial[i], 1e-5f, $"step {i} before Ctrl+C");
        Sample.RunToEnd("--resume", checkpoint);
        var resumed = StepLosses(checkpoint);
        for (int i = 0; i < 30; i++) Assert.AreEqual(expected[i], resumed[i], 1e-5f, $"step {i} after the resume");
    }

    [TestMethod]
    public void KillNineMidEpoch_ThenResume_EndsWithTheUninterruptedLosses()
    {
        var expected = Uninterrupted.Value;
        Assert.HasCount(30, expected);

        var killed = TestData.TempFolder("kill-killed");
        var checkpoint = Path.Combine(killed, "checkpoint.ckpt");
        var delay = new Random().Next(0, 400); // a different moment each run: during a step, or during a checkpoint write
        using (var p = StartAndWaitForCheckpoint(killed))
        {
            Thread.Sleep(delay);
            Assert.IsFalse(p.HasExited, "the run ended before it could be killed");
            p.Kill(entireProcessTree: true); // SIGKILL on Linux: no handler, no cleanup
            p.WaitForExit();
        }
        var saved = Checkpoint.Verify(checkpoint); // never a half-written file
        var partial = StepLosses(checkpoint);
        TestContext.WriteLine($"killed {delay} ms after the first checkpoint; it holds {partial.Count} steps; leftovers: " +
            string.Join(", ", Directory.GetFiles(killed).Select(Path.GetFileName)));
        Assert.IsLessThan(30, partial.Count, "the kill came after the run finished");
        Assert.IsGreaterThanOrEqualTo(3, partial.Count);
        for (int i = 0; i < partial.Count; i++) Assert.AreEqual(expected[i], partial[i], 1e-5f, $"step {i} before the kill");

        Sample.RunToEnd("--resume", checkpoint);
        var resumed = StepLosses(checkpoint);
        Assert.HasCount(30, resumed);
        for (int i = 0; i < 30; i++) Assert.AreEqual(expected[i], resumed[i], 1e-5f, $"step {i} after the resume");
        Assert.IsEmpty(AtomicFile.StaleTemporaries(checkpoint), "a dead writer's temporary file survived the next run");
        Assert.IsFalse(Directory.GetFiles(killed, "*.tmp").Any(), "temporary files left: " + string.Join(", ", Directory.GetFiles(killed)));
        Assert.AreEqual(3, saved.Epochs);
    }
}
