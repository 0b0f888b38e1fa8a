using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Records;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Dense;

/// <summary>
/// Multispectral change detection on OSCD's Sentinel-2 release (../shared/data/oscd-s2-msi: one GeoTIFF per band and date,
/// and the <c>&lt;city&gt;-cm.tif</c> label): the label reads as the same change map as the RGB release's change.png, a
/// 4-band siamese U-Net trains on bercy and scores paris, and its ONNX export (reflectance scaling inside) matches TorchSharp.
/// </summary>
[TestClass]
public sealed class Sentinel2ChangeTests
{
    private static readonly string[] Bands = ["B02", "B03", "B04", "B08"];
    private const int Window = 64;
    private static string MsiFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-s2-msi"));
    private static string RgbFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-change"));
    private static readonly Lazy<DenseScene> Bercy = new(() => DenseScene.FromSentinel2Change(Path.Combine(MsiFolder, "bercy"), string.Join(",", Bands)));
    private static readonly Lazy<DenseScene> Paris = new(() => DenseScene.FromSentinel2Change(Path.Combine(MsiFolder, "paris"), string.Join(",", Bands)));

    [TestMethod]
    public void Sentinel2Label_IsTheSameChangeMapAsTheRgbRelease()
    {
        foreach (var (city, scene) in new[] { ("bercy", Bercy.Value), ("paris", Paris.Value) })
        {
            var rgb = DenseScene.FromOscdChange(RgbFolder, [city]).Single();
            Assert.AreEqual(2, scene.DateCount, city);
            CollectionAssert.AreEqual(Bands, scene.Scene.Bands.ToArray(), city);
            Assert.AreEqual((rgb.Height, rgb.Width), (scene.Height, scene.Width), city);
            CollectionAssert.AreEqual(rgb.Mask.ToArray(), scene.Mask.ToArray(), $"{city}: -cm.tif (1/2) and change.png (0/255) label the same pixels");
            Assert.IsTrue(scene.PositiveFraction is > 0.001 and < 0.06, $"{city}: {scene.PositiveFraction:P2} changed");
        }
    }

    [TestMethod]
    public void MissingLabel_IsNamed()
    {
        var folder = TestData.TempFolder("s2-nolabel");
        var city = Path.Combine(folder, "bercy");
        Directory.CreateDirectory(city);
        foreach (var sub in new[] { "imgs_1", "imgs_2" })
        {
            Directory.CreateDirectory(Path.Combine(city, sub));
            foreach (var file in Directory.GetFiles(Path.Combine(MsiFolder, "bercy", sub)).Where(f => Bands.Any(b => f.EndsWith($"_{b}.tif"))))
                File.Copy(file, Path.Combine(city, sub, Path.GetFileName(file)));
        }
        File.Copy(Path.Combine(MsiFolder, "bercy", "dates.txt"), Path.Combine(city, "dates.txt"));
        var e = Assert.Throws<GeoDataException>(() => DenseScene.FromSentinel2Change(city, string.Join(",", Bands)));
        StringAssert.Contains(e.Message, Path.Combine(city, "bercy-cm.tif"));
    }

    [TestMethod]
    public void FourBandChangeModel_TrainsOnBercy_ScoresParis_AndExportsLikeTorchSharp()
    {
        var (mean, std) = Statistics(Bercy.Value);
        var input = ImageInputSpec.Multispectral(Bands, Window, mean, std, SampleType.Float32); // scenes hold uint16 reflectance as floats
        var schedule = new TrainingSchedule { Epochs = 2, LearningRate = 0.02, WarmupEpochs = 0.5, Seed = 5, ReportEveryNSteps = 0, EarlyStoppingMetric = "f1_tuned" };
        var loop = new TrainingLoop(schedule, "cpu");
        var options = new DenseTaskOptions
        {
            Model = DenseModelOptions.Change(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16, InputChannels = Bands.Length }),
            WindowSize = Window, BatchSize = 8, WindowsPerEpoch = 48, ChangeBias = 0.5,
        };
        using var task = loop.Build(d => new DenseTask(d, options, input, [Bercy.Value], [Paris.Value], schedule.Seed));
        var result = loop.Run(task);
        Assert.IsTrue(result.StepLosses.All(float.IsFinite));
        var scores = task.Evaluate([Paris.Value]);
        Assert.AreEqual((long)Paris.Value.Height * Paris.Value.Width, scores.Overall.Total, "every pixel of paris is scored once");
        Assert.AreEqual(Paris.Value.ClassPixels[1], scores.Overall.TruePositives + scores.Overall.FalseNegatives);

        // ONNX takes the raw reflectance x 10000 of a real window of both dates and divides and normalises inside.
        var onnx = OnnxDenseExporter.Export(task.Model, OnnxExportOptions.ForDense(input));
        var (t1, t2) = (Crop(Paris.Value, 0), Crop(Paris.Value, 1));
        float[] expected;
        task.Model.eval();
        using (no_grad())
        using (NewDisposeScope())
        {
            var m = tensor(mean, [1, Bands.Length, 1, 1]);
            var s = tensor(std, [1, Bands.Length, 1, 1]);
            Tensor Normalised(float[] raw) => (tensor(raw, [1, Bands.Length, Window, Window]) / 10000f - m) / s;
            expected = nn.functional.softmax(task.Model.Forward(Normalised(t1), Normalised(t2)), 1).contiguous().data<float>().ToArray();
        }
        using var session = new InferenceSession(onnx);
        using var v1 = OrtValue.CreateTensorValueFromMemory(t1, new long[] { 1, Bands.Length, Window, Window });
        using var v2 = OrtValue.CreateTensorValueFromMemory(t2, new long[] { 1, Bands.Length, Window, Window });
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["image1", "image2"], [v1, v2], ["probabilities"]);
        var actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.HasCount(expected.Length, actual);
        double max = expected.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
        Assert.IsLessThanOrEqualTo(1e-4, max, $"ONNX and TorchSharp disagree on 4-band input: max |diff| = {max:E3}");
        Assert.IsGreaterThan(1e-3f, expected.Max() - expected.Min(), "the probabilities are not constant");
    }

    /// <summary>Per-band mean and std of date 1's reflectance (samples / 10000).</summary>
    private static (float[] Mean, float[] Std) Statistics(DenseScene scene)
    {
        var samples = scene.Scene.Samples(0).Span;
        int plane = scene.Height * scene.Width;
        var mean = new float[Bands.Length];
        var std = new float[Bands.Length];
        for (int b = 0; b < Bands.Length; b++)
        {
            double sum = 0, sq = 0;
            for (int i = 0; i < plane; i++) { double v = samples[b * plane + i] / 10000.0; sum += v; sq += v * v; }
            double mu = sum / plane;
            mean[b] = (float)mu;
            std[b] = (float)Math.Sqrt(Math.Max(sq / plane - mu * mu, 1e-12));
        }
        return (mean, std);
    }

    /// <summary>The top-left Window x Window of one date, planar [C, Window, Window].</summary>
    private static float[] Crop(DenseScene scene, int date)
    {
        var samples = scene.Scene.Samples(date).Span;
        int plane = scene.Height * scene.Width;
        var crop = new float[Bands.Length * Window * Window];
        for (int b = 0; b < Bands.Length; b++)
            for (int y = 0; y < Window; y++)
                samples.Slice(b * plane + y * scene.Width, Window).CopyTo(crop.AsSpan((b * Window + y) * Window, Window));
        return crop;
    }
}
