using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Dense;

namespace GeoSSL.Tests.Dense;

/// <summary>
/// Change detection on the real OSCD cities as a task of the one training loop (issue 17): the fixed city split, windows
/// biased towards change, whole validation cities predicted with overlapping windows, and exact resume.
/// </summary>
[TestClass]
public sealed class ChangeDetectionTaskTests
{
    private static string ChangeFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-change"));
    private static IReadOnlyList<DenseScene> scenes = null!;

    [ClassInitialize]
    public static void Load(TestContext _) => scenes = DenseScene.FromOscdChange(ChangeFolder);

    private static IReadOnlyList<DenseScene> Part(IReadOnlyList<string> cities) => scenes.Where(s => cities.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();

    private static (TrainingLoop Loop, DenseTask Task) Build(int epochs = 2)
    {
        var schedule = new TrainingSchedule { Epochs = epochs, LearningRate = 0.02, WarmupEpochs = 0.5, Seed = 3, ReportEveryNSteps = 4, EarlyStoppingMetric = "f1" };
        var loop = new TrainingLoop(schedule, "cpu");
        var options = new DenseTaskOptions
        {
            Model = DenseModelOptions.Change(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }),
            WindowSize = 64, BatchSize = 8, WindowsPerEpoch = 64, ChangeBias = 0.5,
        };
        var input = ImageInputSpec.Rgb(64) with { SampleType = SampleType.Float32 }; // PNG scenes held as floats 0..255
        var task = loop.Build(d => new DenseTask(d, options, input, Part(CitySplit.Oscd.Train), Part(CitySplit.Oscd.Validation), schedule.Seed));
        return (loop, task);
    }

    [TestMethod]
    public void ChangeDetection_TrainsOnTheSplitsTrainCities_AndScoresWholeValidationCities()
    {
        var (loop, task) = Build();
        using (task)
        {
            var progress = new List<TrainingProgress>();
            var result = loop.Run(task, new TrainingRunOptions { Progress = new Sync(progress.Add) });
            Assert.AreEqual(16, result.StepLosses.Count, "2 epochs of 64 windows in batches of 8");
            Assert.IsTrue(result.StepLosses.All(float.IsFinite));
            var last = result.Epochs[^1].Validation!;
            foreach (var name in new[] { "f1", "iou", "precision", "recall", "accuracy" }) Assert.IsTrue(last.ContainsKey(name), name);
            Assert.IsTrue(last["accuracy"] is > 0 and <= 1 && (double.IsNaN(last["f1"]) || last["f1"] is >= 0 and <= 1), string.Join(", ", last));
            Assert.IsNotNull(result.BestEpoch, "f1 decides the best epoch");
            // The tuned threshold is the best of the grid on the same validation predictions: never below F1 at 0.5.
            Assert.IsTrue(last["threshold_tuned"] is >= 0.05 and <= 0.95 && task.TunedThreshold is not null);
            Assert.IsTrue(double.IsNaN(last["f1"]) || last["f1_tuned"] >= last["f1"], $"tuned {last["f1_tuned"]} vs 0.5: {last["f1"]}");
            Assert.AreEqual(last["f1_tuned"], task.Evaluate(Part(CitySplit.Oscd.Validation), task.TunedThreshold).Overall.F1, 1e-12);

            // The pooled confusion counts every pixel of both validation cities once.
            var metrics = task.Evaluate(Part(CitySplit.Oscd.Validation));
            long pixels = Part(CitySplit.Oscd.Validation).Sum(s => (long)s.Height * s.Width);
            Assert.AreEqual(pixels, metrics.Overall.Total);
            Assert.AreEqual(2, metrics.PerCity.Count);
            long truePositives = Part(CitySplit.Oscd.Validation).Sum(s => s.ClassPixels[1]);
            Assert.AreEqual(truePositives, metrics.Overall.TruePositives + metrics.Overall.FalseNegatives, "positives are the masks' changed pixels");
            Console.WriteLine($"after 2 tiny epochs: {string.Join(", ", last.Select(m => $"{m.Key} {m.Value:F3}"))}");
        }
    }

    [TestMethod]
    public void ChangeDetection_ResumesExactlyThroughTheEngine()
    {
        string ckpt = Path.Combine(TestData.TempFolder("change-resume"), "change.ckpt");
        var (loop, task) = Build();
        float[] whole;
        using (task) whole = loop.Run(task).StepLosses.ToArray();
        var (loop1, first) = Build();
        using (first) loop1.Run(first, new TrainingRunOptions { CheckpointPath = ckpt, StopAfterEpochs = 1 });
        Assert.AreEqual("change-detection", TrainingCheckpoint.Verify(ckpt).Kind);
        var (loop2, second) = Build();
        using (second) CollectionAssert.AreEqual(whole, loop2.Run(second, new TrainingRunOptions { ResumeFrom = ckpt }).StepLosses.ToArray());
    }

    private sealed class Sync(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
