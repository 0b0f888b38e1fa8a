using System.Runtime.InteropServices;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Input;
using GeoSSL.Core.Training;
using GeoSSL.Data.Images;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Tests.Data;

/// <summary>The input contract (issue 16): one spec, one normalisation, augmentation that only augments, one resize.</summary>
[TestClass]
public sealed class InputContractTests
{
    [TestMethod]
    public void Spec_RoundTripsThroughJson_AndNamesWhatIsInconsistent()
    {
        var spec = ImageInputSpec.Multispectral(["B02", "B03", "B04", "B08"], 64, [0.1f, 0.1f, 0.1f, 0.2f], [0.05f, 0.05f, 0.06f, 0.08f]);
        var back = ImageInputSpec.FromJson(spec.ToJson(), "test");
        CollectionAssert.AreEqual(spec.Bands, back.Bands);
        CollectionAssert.AreEqual(spec.Mean, back.Mean);
        Assert.AreEqual((SampleType.UInt16, 10000f, 64, ResizeMode.CenterCrop), (back.SampleType, back.SampleDivisor, back.Height, back.Resize));
        Assert.AreEqual(SampleType.Float32, back.StoredAs, "uint16 is held as float in memory");
        Assert.IsFalse(back.IsTrueColour);
        Assert.IsTrue(ImageInputSpec.Rgb(64).IsTrueColour && (ImageInputSpec.Rgb(64) with { Bands = ["B04", "B03", "B02"] }).IsTrueColour);

        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => (spec with { Mean = [0f] }).Validate()).Message, "B02,B03,B04,B08");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => (spec with { Bands = ["B02", "b02", "B04", "B08"] }).Validate()).Message, "twice");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (spec with { SampleDivisor = 0 }).Validate());
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ImageInputSpec.FromJson("{\"Bands\":[]}", "model.onnx")).Message, "model.onnx");
    }

    [TestMethod]
    public void CheckpointConfigWithoutInput_ReadsWithTheNormalisationItWasTrainedWith()
    {
        // A configuration as checkpoints stored it before the input contract: Mean/Std/OutputSize inside Augmentation.
        var json = ConfigJson.Serialize(new PretrainConfig { Augmentation = new AugmentationOptions { OutputSize = 48 } });
        var root = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        root.Remove("Input");
        root["Augmentation"]!["Mean"] = new System.Text.Json.Nodes.JsonArray(0.3f, 0.4f, 0.5f);
        root["Augmentation"]!["Std"] = new System.Text.Json.Nodes.JsonArray(0.2f, 0.2f, 0.25f);
        var config = ConfigJson.Deserialize(root.ToJsonString());
        CollectionAssert.AreEqual(new[] { 0.3f, 0.4f, 0.5f }, config.Input.Mean);
        CollectionAssert.AreEqual(new[] { 0.2f, 0.2f, 0.25f }, config.Input.Std);
        Assert.AreEqual((48, 255f, 3), (config.Input.Height, config.Input.SampleDivisor, config.Input.Channels));
    }

    [TestMethod]
    public void Normalizer_ScalesRawSamplesByTheDivisor_ThenNormalisesPerBand()
    {
        var spec = ImageInputSpec.Multispectral(["B04", "B08"], 8, [0.1f, 0.3f], [0.05f, 0.1f]);
        var raw = Enumerable.Range(0, 2 * 8 * 8).Select(i => (float)(i * 37 % 4000)).ToArray();
        using var scope = NewDisposeScope();
        var x = new InputNormalizer(spec).Apply(MemoryMarshal.AsBytes(raw.AsSpan()), 1, 8, 8, CPU);
        for (int i = 0; i < raw.Length; i += 7)
        {
            int c = i / 64;
            float expected = (raw[i] / 10000f - spec.Mean[c]) / spec.Std[c];
            Assert.AreEqual(expected, x.view(-1)[i].item<float>(), 1e-5f);
        }
    }

    [TestMethod]
    public void Augmenter_OnMultispectralBands_OnlyAugments_NoColourOpsNoClamp()
    {
        var bands = ImageInputSpec.Multispectral(["B02", "B03", "B04", "B08"], 16, new float[4], [1f, 1f, 1f, 1f]);
        var options = AugmentationOptions.None(16) with { GrayscaleProbability = 1, ColorJitterProbability = 1, Saturation = 0.9, Hue = 0.4 };
        using var scope = NewDisposeScope();
        manual_seed(2);
        var x = rand(2, 4, 16, 16) * 1.6f; // reflectance of bright roofs and clouds exceeds 1
        var y = BatchAugmenter.For(options, bands).Apply(x, new Random(3));
        Assert.IsTrue(y.max().item<float>() > 1.2f, "no clamp to 0..1 for reflectance");
        Assert.IsTrue((y[0, 0] - y[0, 1]).abs().max().item<float>() > 0.05f, "grayscale does not merge the bands of non-RGB input");
        // The same options on true-colour 8-bit input do apply grayscale (all channels equal) and clamp.
        var rgb = BatchAugmenter.For(options, ImageInputSpec.Rgb(16)).Apply(x.narrow(1, 0, 3), new Random(3));
        Assert.IsTrue((rgb[0, 0] - rgb[0, 1]).abs().max().item<float>() < 1e-6f);
        Assert.IsTrue(rgb.max().item<float>() <= 1f);
    }

    [TestMethod]
    public void PlanarResize_IsTorchBilinear_OnTheCentreSquareOrTheWholeImage()
    {
        manual_seed(4);
        using var scope = NewDisposeScope();
        var x = rand(1, 2, 20, 30);
        var values = x.data<float>().ToArray();
        var stretched = new float[2 * 12 * 12];
        PlanarResize.Resize(values, 2, 20, 30, 12, ResizeMode.Stretch, stretched);
        var torchStretch = F.interpolate(x, [12, 12], mode: InterpolationMode.Bilinear, align_corners: false).data<float>().ToArray();
        Assert.IsTrue(stretched.Zip(torchStretch).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);
        var cropped = new float[2 * 12 * 12];
        PlanarResize.Resize(values, 2, 20, 30, 12, ResizeMode.CenterCrop, cropped);
        var centre = x.narrow(3, 5, 20);
        var torchCrop = F.interpolate(centre, [12, 12], mode: InterpolationMode.Bilinear, align_corners: false).contiguous().data<float>().ToArray();
        Assert.IsTrue(cropped.Zip(torchCrop).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);
    }

    [TestMethod]
    public void NonSquareImage_PretrainingDecoderSeesWhatTheFeaturizerChainSees()
    {
        // A real tile cut to 64x40: the decoder (pretraining, fine-tuning) and ML.NET's LoadImages → ResizeImages(IsoCrop)
        // → ExtractPixels (the featurizer's stock chain) must take the same centred part, not stretch in one and crop in the other.
        string folder = TestData.TempFolder("non-square");
        string path = Path.Combine(folder, "wide.png");
        using (var tile = SKBitmap.Decode(TestData.OscdRecords()[3].ImagePath))
        using (var wide = new SKBitmap(64, 40))
        {
            tile.ExtractSubset(wide, SKRectI.Create(0, 12, 64, 40));
            using var copy = wide.Copy();
            File.WriteAllBytes(path, copy.Encode(SKEncodedImageFormat.Png, 100).ToArray());
        }
        var ours = new byte[3 * 32 * 32];
        ImageDecoder.DecodeRgbPlanar(path, 32, 32, ours);
        var stretched = new byte[3 * 32 * 32];
        ImageDecoder.DecodeRgbPlanar(path, 32, 32, stretched, resize: ResizeMode.Stretch);

        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(new[] { new { ImagePath = path } });
        var chain = ml.Transforms.LoadImages("Image", "", "ImagePath")
            .Append(ml.Transforms.ResizeImages("Resized", 32, 32, "Image", Microsoft.ML.Transforms.Image.ImageResizingEstimator.ResizingKind.IsoCrop))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Resized", interleavePixelColors: false));
        var theirs = chain.Fit(rows).Transform(rows).GetColumn<VBuffer<float>>("Pixels").First().DenseValues().ToArray();
        double Mean(byte[] a) => a.Zip(theirs).Average(p => Math.Abs(p.First - p.Second));
        Console.WriteLine($"mean |decoder - ML.NET IsoCrop|: centre crop {Mean(ours):F2}, stretch {Mean(stretched):F2} levels");
        Assert.IsTrue(Mean(ours) < 2.0, $"centre crop differs from IsoCrop by {Mean(ours):F2} levels on average");
        Assert.IsTrue(Mean(stretched) > 2 * Mean(ours), "the test can tell a stretch from a crop");
    }
}
