using System.Diagnostics;
using GeoSSL.Core.Classification;
using GeoSSL.Data.Files;
using GeoSSL.Tests.MLNet;

namespace GeoSSL.Tests.Reliability;

/// <summary>
/// kill -9 of a real fine-tuning process (the sample program's <c>finetune</c> verb, through the ML.NET trainer) in the
/// middle of an epoch, then a resume: the training checkpoint it left verifies, the next run removes the dead writer's
/// temporary files, and the resumed run ends with the same step losses as an uninterrupted one.
/// </summary>
[TestClass]
public sealed class FineTuneKillAndResumeTests
{
    public TestContext TestContext { get; set; } = null!;

    // 240 bundled EuroSAT training patches (60 held out), batch 32: 8 steps per epoch, a checkpoint every 3 steps, 5 epochs.
    // One thread per run so the processes compute in the same order (and leave the test host's cores alone).
    private const int Steps = 5 * 8;
    private static readonly string[] Settings =
        ["--epochs", "5", "--batch-size", "32", "--image-size", "32", "--width", "16", "--checkpoint-every-steps", "3", "--device", "cpu", "--threads", "1"];

    private static readonly SampleProcess Sample = new("finetune", Settings);

    [TestMethod]
    public void KillNineMidEpoch_ThenResume_EndsWithTheUninterruptedLosses()
    {
        var clock = Stopwatch.StartNew();
        var whole = TestData.TempFolder("ft-kill-whole");
        Sample.RunToEnd("--out", whole);
        var expected = FineTuneCheckpoint.Verify(Path.Combine(whole, "training.ckpt")).StepLosses.ToList();
        Assert.HasCount(Steps, expected);

        var killed = TestData.TempFolder("ft-kill-killed");
        var checkpoint = Path.Combine(killed, "training.ckpt");
        var delay = new Random().Next(0, 300); // a different moment each run: during a step, a validation pass or a checkpoint write
        using (var p = Sample.StartAndWaitFor(checkpoint, "--out", killed))
        {
            Thread.Sleep(delay);
            Assert.IsFalse(p.HasExited, "the run ended before it could be killed");
            p.Kill(entireProcessTree: true); // SIGKILL on Linux: no handler, no cleanup
            p.WaitForExit();
        }
        var partial = FineTuneCheckpoint.Verify(checkpoint); // never a half-written file
        TestContext.WriteLine($"killed {delay} ms after the first checkpoint; it holds {partial.StepLosses.Count} steps (epoch {partial.Epoch + 1}, step {partial.StepInEpoch + 1}); " +
            "files: " + string.Join(", ", Directory.GetFiles(killed).Select(Path.GetFileName)));
        Assert.IsLessThan(Steps, partial.StepLosses.Count, "the kill came after the run finished");
        Assert.IsGreaterThanOrEqualTo(3, partial.StepLosses.Count);
        for (int i = 0; i < partial.StepLosses.Count; i++) Assert.AreEqual(expected[i], partial.StepLosses[i], 1e-5f, $"step {i} before the kill");
        Assert.IsFalse(File.Exists(Path.Combine(killed, "classifier.onnx")), "a killed run wrote no model");

        Sample.RunToEnd("--resume", checkpoint);
        var resumed = FineTuneCheckpoint.Verify(checkpoint);
        Assert.HasCount(Steps, resumed.StepLosses);
        for (int i = 0; i < Steps; i++) Assert.AreEqual(expected[i], resumed.StepLosses[i], 1e-5f, $"step {i} after the resume");
        Assert.AreEqual(5, resumed.Epoch);
        Assert.IsTrue(File.Exists(Path.Combine(killed, "classifier.onnx")), "the resumed run wrote the model");
        Assert.IsEmpty(AtomicFile.StaleTemporaries(checkpoint), "a dead writer's temporary file survived the next run");
        Assert.IsFalse(Directory.GetFiles(killed, "*.tmp").Any(), "temporary files left: " + string.Join(", ", Directory.GetFiles(killed)));
        bool sameModel = File.ReadAllBytes(Path.Combine(whole, "classifier.onnx")).SequenceEqual(File.ReadAllBytes(Path.Combine(killed, "classifier.onnx")));
        TestContext.WriteLine($"bit-identical step losses: {expected.SequenceEqual(resumed.StepLosses)}; byte-identical ONNX classifier: {sameModel}; {clock.Elapsed.TotalSeconds:F1}s");

        // A fresh run into the killed run's folder is refused (its training checkpoint is an earlier run's output).
        using var again = Sample.Start("--out", killed);
        var stderr = again.StandardError.ReadToEndAsync();
        again.StandardOutput.ReadToEnd();
        again.WaitForExit();
        Assert.AreEqual(1, again.ExitCode);
        StringAssert.Contains(stderr.Result, "TrainingCheckpointPath");
    }
}
