using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.Tests.Classification;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Engine;

/// <summary>The one training loop (issue 17) on a real task: exact resume, cancellation, early stopping, NaN guard, named progress.</summary>
[TestClass]
public sealed class TrainingLoopEngineTests
{
    private const int Size = 32;
    private static LabeledImages train = null!, validation = null!;

    [ClassInitialize]
    public static void Load(TestContext _)
    {
        var (t, v) = EuroSat.Split(Size);
        train = t.Subset(Enumerable.Range(0, 96).ToList());
        validation = v.Subset(Enumerable.Range(0, 48).ToList());
    }

    private static TrainingSchedule Schedule(int epochs = 3, int? patience = null) => new()
    {
        Epochs = epochs, LearningRate = 0.05, WarmupEpochs = 0.5, Seed = 7, ReportEveryNSteps = 2, EarlyStoppingPatience = patience,
    };

    private static (TrainingLoop Loop, TinyClassificationTask Task) Build(TrainingSchedule schedule, double lossScale = 1)
    {
        var loop = new TrainingLoop(schedule, "cpu");
        return (loop, loop.Build(d => new TinyClassificationTask(d, train, validation, batchSize: 16, seed: schedule.Seed, lossScale)));
    }

    private static float[] Weights(TinyClassificationTask task) =>
        task.Model.state_dict().Values.SelectMany(t => t.to(ScalarType.Float32).cpu().data<float>().ToArray()).ToArray();

    [TestMethod]
    public void ResumeFromEpochAndStepCheckpoints_EndsExactlyLikeTheUninterruptedRun()
    {
        string folder = TestData.TempFolder("engine-resume");
        var (loop, task) = Build(Schedule());
        var progress = new List<TrainingProgress>();
        var whole = loop.Run(task, new TrainingRunOptions { Progress = new SyncProgress<TrainingProgress>(progress.Add) });
        var expected = Weights(task);
        Assert.AreEqual(18, whole.StepLosses.Count, "3 epochs of 6 steps");
        Assert.IsTrue(progress.Any(p => !p.IsEpochEnd && p.Metrics.ContainsKey("accuracy")) && progress.Count(p => p.IsEpochEnd) == 3);
        Assert.IsTrue(whole.Epochs.All(e => e.Validation!["accuracy"] is >= 0 and <= 1));

        // Stopped after one epoch, then resumed.
        string ckpt = Path.Combine(folder, "epoch.ckpt");
        var (loop1, first) = Build(Schedule());
        var part = loop1.Run(first, new TrainingRunOptions { CheckpointPath = ckpt, StopAfterEpochs = 1 });
        Assert.IsFalse(part.Completed);
        var (loop2, second) = Build(Schedule());
        var resumed = loop2.Run(second, new TrainingRunOptions { ResumeFrom = ckpt, CheckpointPath = ckpt });
        CollectionAssert.AreEqual(whole.StepLosses.ToArray(), resumed.StepLosses.ToArray());
        CollectionAssert.AreEqual(expected, Weights(second));
        Assert.AreEqual(whole.Epochs[^1].Validation!["accuracy"], resumed.Epochs[^1].Validation!["accuracy"]);

        // Cancelled mid-epoch (a checkpoint every 2 steps), then resumed.
        string stepCkpt = Path.Combine(folder, "step.ckpt");
        var (loop3, third) = Build(Schedule());
        using var stop = new CancellationTokenSource();
        var cancelAfter = new SyncProgress<TrainingProgress>(p => { if (p.Epoch == 2 && p.Step == 4) stop.Cancel(); });
        Assert.ThrowsExactly<OperationCanceledException>(() => loop3.Run(third, new TrainingRunOptions
        {
            CheckpointPath = stepCkpt, CheckpointEveryNSteps = 2, Progress = cancelAfter, CancellationToken = stop.Token,
        }));
        var info = TrainingCheckpoint.Verify(stepCkpt);
        Assert.AreEqual((1, 4L), (info.Epoch, info.StepInEpoch), "cancelled after epoch 2's fourth step");
        var (loop4, fourth) = Build(Schedule());
        var afterCancel = loop4.Run(fourth, new TrainingRunOptions { ResumeFrom = stepCkpt });
        CollectionAssert.AreEqual(whole.StepLosses.ToArray(), afterCancel.StepLosses.ToArray());
        CollectionAssert.AreEqual(expected, Weights(fourth));
    }

    [TestMethod]
    public void ResumeWithOtherSettingsOrAnotherTask_IsRefusedNamingWhatDiffers()
    {
        string ckpt = Path.Combine(TestData.TempFolder("engine-settings"), "run.ckpt");
        var (loop, task) = Build(Schedule(epochs: 1));
        loop.Run(task, new TrainingRunOptions { CheckpointPath = ckpt });
        var (other, otherTask) = Build(Schedule(epochs: 2) with { LearningRate = 0.02 });
        var e = Assert.ThrowsExactly<ArgumentException>(() => other.Run(otherTask, new TrainingRunOptions { ResumeFrom = ckpt }));
        StringAssert.Contains(e.Message, "LearningRate: 0.05 in the checkpoint, 0.02 in this run");
        // A longer run may resume it (Epochs may differ).
        var (longer, longerTask) = Build(Schedule(epochs: 2));
        Assert.AreEqual(2, longer.Run(longerTask, new TrainingRunOptions { ResumeFrom = ckpt }).Epochs.Count);
        // Garbage is named.
        File.WriteAllText(ckpt + ".bad", "not a checkpoint");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => TrainingCheckpoint.Verify(ckpt + ".bad")).Message, ckpt + ".bad");
    }

    [TestMethod]
    public void EarlyStopping_ReturnsTheBestEpochsWeights()
    {
        // A high rate makes validation accuracy wander; patience 1 stops at the first epoch that does not improve.
        var (loop, task) = Build(Schedule(epochs: 6, patience: 1) with { LearningRate = 0.3, WarmupEpochs = 0 });
        var logs = new List<string>();
        var result = loop.Run(task, new TrainingRunOptions { Log = logs.Add });
        var accuracies = result.Epochs.Select(e => e.Validation!["accuracy"]).ToList();
        int best = accuracies.IndexOf(accuracies.Max()) + 1;
        Assert.AreEqual(best, result.BestEpoch, string.Join(", ", accuracies));
        Console.WriteLine($"validation accuracy per epoch: {string.Join(", ", accuracies)}");
        Assert.IsTrue(result.EarlyStopped, "with patience 1 the run stops at the first epoch that does not improve");
        Assert.IsTrue(result.Epochs.Count < 6);
        Assert.AreEqual(best != result.Epochs.Count, result.RestoredBestWeights);
        Assert.AreEqual(accuracies.Max(), task.Validate()!["accuracy"], 1e-12, "the model holds the best epoch's weights");
        Assert.IsTrue(logs.Any(l => l.StartsWith("Training tiny-classification")));
    }

    [TestMethod]
    public void ExplodingLoss_StopsWithANamedError()
    {
        var (loop, task) = Build(Schedule(epochs: 1) with { LearningRate = 1e6, WarmupEpochs = 0 }, lossScale: 1e6);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => loop.Run(task));
        StringAssert.Contains(e.Message, "tiny-classification loss became");
    }

    /// <summary>Progress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
