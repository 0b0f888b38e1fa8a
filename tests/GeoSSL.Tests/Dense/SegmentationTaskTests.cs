using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Dense;
using SkiaSharp;

namespace GeoSSL.Tests.Dense;

/// <summary>
/// Segmentation is the one-input case of the same dense task (issue 17 item 3): one image (date 2 of an OSCD city) and a
/// 2-class mask (its change map as classes 0/1), on the same loop, sampler, loss and whole-scene validation.
/// </summary>
[TestClass]
public sealed class SegmentationTaskTests
{
    private static string ChangeFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-change"));

    /// <summary>A city's date 2 with its change map written as a 0/1 class mask (the form FromSegmentationFiles reads).</summary>
    private static DenseScene City(string city, string folder)
    {
        string mask = Path.Combine(folder, $"{city}-classes.png");
        using (var change = SKBitmap.Decode(Path.Combine(ChangeFolder, city, "change.png")))
        using (var classes = new SKBitmap(new SKImageInfo(change.Width, change.Height, SKColorType.Gray8, SKAlphaType.Opaque)))
        {
            for (int y = 0; y < change.Height; y++)
                for (int x = 0; x < change.Width; x++)
                    classes.SetPixel(x, y, change.GetPixel(x, y).Red > 0 ? new SKColor(1, 1, 1) : new SKColor(0, 0, 0));
            File.WriteAllBytes(mask, classes.Encode(SKEncodedImageFormat.Png, 100).ToArray());
        }
        return DenseScene.FromSegmentationFiles(city, Path.Combine(ChangeFolder, city, "t2.png"), mask, classCount: 2);
    }

    [TestMethod]
    public void Segmentation_OfDateTwo_TrainsAndScoresOnTheSameEngine()
    {
        string folder = TestData.TempFolder("segmentation-task");
        var train = new[] { City("paris", folder), City("hongkong", folder) };
        var validation = new[] { City("nantes", folder) };
        Assert.AreEqual(1, train[0].DateCount);
        Assert.AreEqual(DenseScene.FromOscdChange(ChangeFolder, ["paris"])[0].ClassPixels[1], train[0].ClassPixels[1], "the class mask is the change map");

        var schedule = new TrainingSchedule { Epochs = 2, LearningRate = 0.02, Seed = 5, ReportEveryNSteps = 0, EarlyStoppingMetric = "f1" };
        var loop = new TrainingLoop(schedule, "cpu");
        var options = new DenseTaskOptions
        {
            Model = DenseModelOptions.Segmentation(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }, classes: 2),
            WindowSize = 64, BatchSize = 8, WindowsPerEpoch = 48,
        };
        using var task = loop.Build(d => new DenseTask(d, options, ImageInputSpec.Rgb(64) with { SampleType = SampleType.Float32 }, train, validation, schedule.Seed));
        Assert.AreEqual("segmentation", task.Kind);
        var result = loop.Run(task);
        Assert.AreEqual(12, result.StepLosses.Count);
        Assert.IsTrue(result.StepLosses.All(float.IsFinite));
        var metrics = task.Evaluate(validation);
        Assert.AreEqual((long)validation[0].Height * validation[0].Width, metrics.Overall.Total);
        Assert.AreEqual(validation[0].ClassPixels[1], metrics.Overall.TruePositives + metrics.Overall.FalseNegatives);
        Assert.IsTrue(result.Epochs.All(e => e.Validation!["accuracy"] is > 0 and <= 1));

        // A two-date model cannot take these one-date scenes: named, not a crash mid-training.
        var change = options with { Model = DenseModelOptions.Change(options.Model.Encoder) };
        var e = Assert.ThrowsExactly<ArgumentException>(() => new DenseTask(loop.Device, change, ImageInputSpec.Rgb(64), train, null, 1));
        StringAssert.Contains(e.Message, "paris");
    }
}
