using GeoSSL.Core.Input;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Export;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Import;

/// <summary>Per-pixel mean images: ML.NET's ResNet18 preprocessing reproduced, and the mean image in augmentation.</summary>
// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class MeanImageTests
{
    private static string Models => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
    private static string ResNet18Onnx => Path.Combine(Models, "ResNet18Onnx", "ResNet18.onnx");
    private static string Preprocess => Path.Combine(Models, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    public sealed class Patch
    {
        public string ImagePath { get; set; } = "";
    }

    private static float[][] Read(IDataView output)
    {
        var result = new List<float[]>();
        using var cursor = output.GetRowCursor(new[] { output.Schema["Features"] });
        var get = cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]);
        VBuffer<float> v = default;
        while (cursor.MoveNext()) { get(ref v); result.Add(v.DenseValues().ToArray()); }
        return result.ToArray();
    }

    /// <summary>Every 50th bundled EuroSAT patch and ML.NET's own ImageNet featurizer's output on them, composed as its documentation does.</summary>
    private static (MLContext Ml, IDataView Data, float[][] Expected) DnnFeaturizeImageOnPatches()
    {
        var ml = new MLContext(seed: 1);
        var patches = TestData.EuroSatPatches().Where((_, i) => i % 50 == 0).Select(p => new Patch { ImagePath = p.ImagePath }).ToList();
        var data = ml.Data.LoadFromEnumerable(patches);
        var dnn = ml.Transforms.LoadImages("Image", "", "ImagePath")
            .Append(ml.Transforms.ResizeImages("Image", 224, 224, "Image"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn, Models), "Pixels"))
            .Fit(data);
        return (ml, data, Read(dnn.Transform(data)));
    }

    private static double MaxDiff(float[][] a, float[][] b) => a.Zip(b).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second)));

    [TestMethod]
    public void ImportedWeightsWithMlNetsMeanImage_ReproduceDnnFeaturizeImage()
    {
        var (ml, data, expected) = DnnFeaturizeImageOnPatches();

        using var encoder = new ResNetEncoder(OnnxResNetImporter.ReadLayout(ResNet18Onnx));
        OnnxResNetImporter.LoadInto(encoder, ResNet18Onnx, reverseInputChannels: true);
        encoder.eval();
        float[] std = [1f / 255f, 1f / 255f, 1f / 255f];
        var meanImage = MlNetResNetPreprocessing.ReadMeanImage(Preprocess);
        Assert.AreEqual((3, 224, 224), (meanImage.Channels, meanImage.Height, meanImage.Width));
        float[][] Ours(MeanImage? image, float[] channelMean)
        {
            var onnx = OnnxEncoderExporter.Export(encoder, new OnnxExportOptions
            {
                InputHeight = 224, InputWidth = 224, InputScale = 1f / 255f, Mean = channelMean, Std = std, MeanImage = image,
            });
            using var featurizer = new GeoImageFeaturizerEstimator(ml, onnx).Fit(data);
            return Read(featurizer.Transform(data));
        }
        var withMeanImage = Ours(meanImage, meanImage.ChannelMeans());
        var withChannelMeans = Ours(null, meanImage.ChannelMeans());

        double peak = expected.Max(f => f.Max());
        double exact = MaxDiff(withMeanImage, expected), approximate = MaxDiff(withChannelMeans, expected);
        Assert.IsTrue(peak > 1, $"real features (peak {peak})");
        Assert.IsTrue(exact <= 1e-3, $"with the mean image the features are DnnFeaturizeImage's: max abs diff {exact} (peak {peak})");
        Assert.IsTrue(approximate > 10 * exact, $"channel means alone differ more ({approximate} vs {exact}): the mean image matters");
    }

    [TestMethod]
    public void FromImageNetPreset_ContainsDnnFeaturizeImage_InOneCall()
    {
        var (ml, data, expected) = DnnFeaturizeImageOnPatches();

        // The preset as a user writes it (the models folder is found beside the application).
        using var preset = ml.Transforms.GeoFeaturizeImage(GeoImageFeaturizerEstimator.Options.FromImageNet()).Fit(data);
        Assert.AreEqual(2 * (64 + 128 + 256 + 512), Read(preset.Transform(data))[0].Length, "means and stds of layer1-layer4");
        // Without the mirror views, its layer4 means are ML.NET's featurizer's output: the same weights, mean image and resize.
        var unmirrored = GeoImageFeaturizerEstimator.Options.FromImageNet();
        unmirrored.TestTimeAugmentation = GeoSSL.MLNet.TestTimeAugmentation.None;
        using var single = ml.Transforms.GeoFeaturizeImage(unmirrored).Fit(data);
        var features = Read(single.Transform(data));
        int layer4Means = 2 * (64 + 128 + 256);
        double diff = MaxDiff(features.Select(f => f[layer4Means..(layer4Means + 512)]).ToArray(), expected);
        Assert.IsTrue(diff <= 1e-3, $"layer4 part = DnnFeaturizeImage: max abs diff {diff}");

        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => ml.Transforms.GeoFeaturizeImage(GeoImageFeaturizerEstimator.Options.FromImageNet("/nonexistent")));
        StringAssert.Contains(missing.Message, "Microsoft.ML.DnnImageFeaturizer.ResNet18");
    }

    [TestMethod]
    public void StandardDeviationPools_AndTestTimeFlip_ReachTheFeaturizerOutput()
    {
        var (ml, data, _) = DnnFeaturizeImageOnPatches();
        GeoImageFeaturizerEstimator.Options Options(bool std, bool flip)
        {
            var options = GeoImageFeaturizerEstimator.Options.FromImageNet(Models);
            options.PooledLayers = [2, 4];
            options.PoolStandardDeviation = std;
            options.TestTimeAugmentation = flip ? GeoSSL.MLNet.TestTimeAugmentation.HorizontalFlip : GeoSSL.MLNet.TestTimeAugmentation.None;
            return options;
        }
        float[][] Features(bool std, bool flip)
        {
            using var featurizer = ml.Transforms.GeoFeaturizeImage(Options(std, flip)).Fit(data);
            return Read(featurizer.Transform(data));
        }
        var plain = Features(false, false);
        var withStd = Features(true, false);
        Assert.AreEqual(128 + 512, plain[0].Length);
        Assert.AreEqual(2 * (128 + 512), withStd[0].Length, "a mean and a std per channel");
        // Layout: layer2 means, layer2 stds, layer4 means, layer4 stds; the means are the plain featurizer's output.
        Assert.IsTrue(MaxDiff(withStd.Select(f => f[..128].Concat(f[256..768])).Select(f => f.ToArray()).ToArray(), plain) <= 1e-4);
        Assert.IsTrue(withStd.All(f => f[128..256].All(v => v >= 0) && f[128..256].Any(v => v > 0.01f)), "layer2 stds are non-negative and not all zero");

        var flipped = Features(false, true);
        double change = MaxDiff(flipped, plain);
        Assert.IsTrue(change > 1e-3, $"the mirror average changes the features ({change})");
        double cosine = plain.Zip(flipped).Average(p => Dot(p.First, p.Second) / Math.Sqrt(Dot(p.First, p.First) * Dot(p.Second, p.Second)));
        Assert.IsTrue(cosine > 0.95, $"but little: mean cosine {cosine}");
        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GeoFeaturizeImage(new GeoImageFeaturizerEstimator.Options { EncoderOnnx = [1], TestTimeAugmentation = GeoSSL.MLNet.TestTimeAugmentation.Flips }));
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);

    [TestMethod]
    public void ConstantMeanImage_NormalisesLikeThePerChannelMean_AndResizes()
    {
        float[] mean = [0.3f, 0.5f, 0.7f];
        var constant = new MeanImage(3, 4, 4, mean.SelectMany(m => Enumerable.Repeat(m, 16)).ToArray());
        CollectionAssert.AreEqual(mean, constant.ChannelMeans().Select(v => (float)Math.Round(v, 6)).ToArray());
        var resized = constant.ResizedTo(32, 32);
        Assert.AreEqual(3 * 32 * 32, resized.Values.Length);
        Assert.IsTrue(resized.Values.Where((_, i) => i < 1024).All(v => Math.Abs(v - 0.3f) < 1e-6), "bilinear resizing keeps a constant plane");

        manual_seed(3);
        using var x = rand(2, 3, 32, 32);
        var perChannel = new InputNormalizer(ImageInputSpec.Rgb(32, mean)).Normalize(x);
        var perPixel = new InputNormalizer(ImageInputSpec.Rgb(32, mean) with { MeanImage = constant }).Normalize(x);
        Assert.IsTrue((perChannel - perPixel).abs().max().item<float>() < 1e-5f);

        // A ramp shows the mean really is per pixel: the corner pixel of a zero image is minus the ramp's corner.
        var ramp = new MeanImage(3, 32, 32, Enumerable.Range(0, 3 * 1024).Select(i => (i % 1024) / 1024f).ToArray());
        using var zero = zeros(1, 3, 32, 32);
        var shifted = new InputNormalizer(ImageInputSpec.Rgb(32, [0f, 0f, 0f], [1f, 1f, 1f]) with { MeanImage = ramp }).Normalize(zero);
        Assert.AreEqual(-1023 / 1024f, shifted[0, 0, 31, 31].item<float>(), 1e-6f);
        Assert.AreEqual(0f, shifted[0, 0, 0, 0].item<float>(), 1e-6f);

        // Checkpoints store the configuration as JSON: the mean image survives the round trip.
        var config = new GeoSSL.Core.Training.PretrainConfig { Augmentation = new AugmentationOptions { OutputSize = 32 }, Input = ImageInputSpec.Rgb(32) with { MeanImage = ramp } };
        var back = GeoSSL.Core.Training.ConfigJson.Deserialize(GeoSSL.Core.Training.ConfigJson.Serialize(config)).Input.MeanImage;
        Assert.IsNotNull(back);
        Assert.AreEqual((3, 32, 32), (back.Channels, back.Height, back.Width));
        CollectionAssert.AreEqual(ramp.Values, back.Values);

        Assert.ThrowsExactly<ArgumentException>(() => new MeanImage(3, 4, 4, new float[10]).Validate(3));
        Assert.ThrowsExactly<ArgumentException>(() => constant.Validate(4));
    }
}
