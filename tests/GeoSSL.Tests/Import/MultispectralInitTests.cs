using System.Collections;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Images;
using GeoSSL.Data.Rasters;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Import;

/// <summary>RGB starting weights (ML.NET's ImageNet ONNX, a PyTorch state dict) loaded into 4- and 13-band encoders.</summary>
// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class MultispectralInitTests
{
    private static string ResNet18Onnx => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
    private static readonly string[] FourBands = ["B02", "B03", "B04", "B08"];
    private static IReadOnlyList<string> ThirteenBands => Sentinel2BandFiles.AllBands;

    [TestMethod]
    public void Map_FindsRedGreenBlue_BySentinel2OrColourNames()
    {
        var s2 = InputChannelAdapter.Map(FourBands);
        Assert.AreEqual((2, 1, 0), (s2.Red, s2.Green, s2.Blue));
        var all = InputChannelAdapter.Map(ThirteenBands);
        Assert.AreEqual((3, 2, 1), (all.Red, all.Green, all.Blue));
        var colours = InputChannelAdapter.Map(["NIR", "blue", "Green", "Red"]);
        Assert.AreEqual((3, 2, 1), (colours.Red, colours.Green, colours.Blue));
        var letters = InputChannelAdapter.Map(["R", "G", "B"]);
        Assert.AreEqual((0, 1, 2), (letters.Red, letters.Green, letters.Blue));

        var none = InputChannelAdapter.Map(["B08", "B11", "B12"]);
        Assert.IsFalse(none.HasRgb);
        StringAssert.Contains(none.Description, "B08,B11,B12");
        StringAssert.Contains(none.Description, "mean");

        var twice = Assert.ThrowsExactly<ArgumentException>(() => InputChannelAdapter.Map(["B04", "Red", "B03", "B02"]));
        StringAssert.Contains(twice.Message, "B04,Red,B03,B02");
    }

    [TestMethod]
    public void OnnxImageNet_IntoFourAndThirteenBands_AdaptsConv1_CopiesTheRest()
    {
        // ML.NET's model is BGR; reverseInputChannels flips it to RGB before the adaptation, for both encoders.
        foreach (var bands in new[] { FourBands, ThirteenBands })
            CheckAdapted(ResNet18Onnx, OnnxResNetImporter.ReadLayout(ResNet18Onnx), bands, reverse: true);
    }

    [TestMethod]
    public void StateDict_IntoFourAndThirteenBands_AdaptsConv1_CopiesTheRest()
    {
        var path = TorchStateDictImporterTests.PlainStateDict;
        foreach (var bands in new[] { FourBands, ThirteenBands })
            CheckAdapted(path, InitialWeights.ReadLayout(path), bands, reverse: false);
    }

    [TestMethod]
    public void GeoSslCheckpoint_IntoFourBands_AdaptsTheQueryEncodersConv1()
    {
        // An RGB pretraining checkpoint (seeded, small) in the Pretrainer's format.
        string path = Path.Combine(TestData.TempFolder("multispectral-init-ckpt"), "rgb.ckpt");
        var config = new GeoSSL.Core.Training.PretrainConfig
        {
            Variant = GeoSSL.Core.Training.PretrainVariant.MoCoV2,
            Model = new GeoSSL.Core.Contrastive.MocoOptions { Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8 }, QueueSize = 32, GeoClasses = 0 },
            Augmentation = new GeoSSL.Core.Augmentation.AugmentationOptions { OutputSize = 32 },
            Input = ImageInputSpec.Rgb(32, [0.3f, 0.4f, 0.5f], [0.2f, 0.2f, 0.2f]),
            Epochs = 1, BatchSize = 32, Seed = 42,
        };
        manual_seed(42);
        using (var moco = new GeoSSL.Core.Contrastive.GeoMoco(config.Model))
            GeoSSL.Core.Training.Checkpoint.SaveWeights(path, config, moco);
        CheckAdapted(path, InitialWeights.ReadLayout(path), FourBands, reverse: false);
    }

    private static void CheckAdapted(string path, ResNetOptions layout, IReadOnlyList<string> bands, bool reverse)
    {
        using var scope = NewDisposeScope();
        using var rgb = new ResNetEncoder(layout);
        InitialWeights.LoadInto(rgb, path, reverse);
        using var ms = new ResNetEncoder(layout with { InputChannels = bands.Count });
        var filled = InitialWeights.LoadInto(ms, path, reverse, bands);
        var map = InputChannelAdapter.Map(bands);
        int c = bands.Count;
        float scale = 3f / c;
        var source = rgb.state_dict()["conv1.weight"];
        var adapted = ms.state_dict()["conv1.weight"];
        CollectionAssert.AreEqual(new long[] { source.shape[0], c, source.shape[2], source.shape[3] }, adapted.shape);
        var mean = source.mean([1], keepdim: true);
        for (int ch = 0; ch < c; ch++)
        {
            var expected = ch == map.Red ? source.narrow(1, 0, 1) : ch == map.Green ? source.narrow(1, 1, 1) : ch == map.Blue ? source.narrow(1, 2, 1) : mean;
            var diff = (adapted.narrow(1, ch, 1) - expected * scale).abs().max().item<float>();
            Assert.IsTrue(diff <= 1e-7f, $"{bands[ch]} of {c} bands: max |adapted - expected x 3/{c}| = {diff}");
        }
        // The summed filter over input channels is the RGB network's: what a band-flat input sees (see the next test).
        var sumDiff = (adapted.sum([1]) - source.sum([1])).abs().max().item<float>();
        Assert.IsTrue(sumDiff <= 1e-6f * Math.Max(1f, source.abs().max().item<float>()), $"channel sums differ by {sumDiff}");
        var rgbWeights = rgb.state_dict();
        foreach (var (name, t) in ms.state_dict())
            if (name != "conv1.weight")
                Assert.IsTrue(t.eq(rgbWeights[name]).all().item<bool>(), $"'{name}' is copied unchanged ({c} bands)");
        Assert.AreEqual(rgbWeights.Keys.Count(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)),
            filled.Count(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void BandFlatInput_GivesTheRgbEncodersFeatures_OnRealTiles()
    {
        // Exact property of the 3/C rescale: the summed filter over channels equals the RGB sum, so an input whose every
        // band holds the same image g gives conv1 = Σ_c w'_c * g = (w_R + w_G + w_B) * g, the RGB network on [g,g,g],
        // and every later layer then sees the same numbers. It is NOT exact for B04/B03/B02 = a coloured RGB image and
        // the other bands its gray mean: conv1 then gives (3/C)·(RGB response) + ((C-3)/C)·(response to [g,g,g]), a blend
        // that equals the RGB response only when R = G = B. That blend is printed below for information.
        var layout = OnnxResNetImporter.ReadLayout(ResNet18Onnx);
        using var rgb = new ResNetEncoder(layout);
        InitialWeights.LoadInto(rgb, ResNet18Onnx, reverseInputChannels: true);
        using var ms = InitialWeights.Load(ResNet18Onnx, reverseInputChannels: true, ThirteenBands);
        Assert.AreEqual(13, ms.Options.InputChannels);
        rgb.eval();
        ms.eval();
        var map = InputChannelAdapter.Map(ThirteenBands);
        double maxDiff = 0, maxValue = 0, blendDiff = 0;
        foreach (var tile in TestData.OscdRecords().Where((_, i) => i % 97 == 0).Take(2))
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var pixels = new byte[3 * 224 * 224];
            ImageDecoder.DecodeRgbPlanar(tile.ImagePath, 224, 224, pixels);
            var image = tensor(pixels.Select(p => p - 115f).ToArray(), new long[] { 1, 3, 224, 224 });
            var gray = image.mean([1], keepdim: true);
            var expected = rgb.forward(gray.expand(1, 3, 224, 224));
            var actual = ms.forward(gray.expand(1, 13, 224, 224).contiguous());
            maxDiff = Math.Max(maxDiff, (expected - actual).abs().max().item<float>());
            maxValue = Math.Max(maxValue, expected.abs().max().item<float>());

            var bands = gray.expand(1, 13, 224, 224).clone();
            bands.narrow(1, map.Red!.Value, 1).copy_(image.narrow(1, 0, 1));
            bands.narrow(1, map.Green!.Value, 1).copy_(image.narrow(1, 1, 1));
            bands.narrow(1, map.Blue!.Value, 1).copy_(image.narrow(1, 2, 1));
            blendDiff = Math.Max(blendDiff, (rgb.forward(image) - ms.forward(bands)).abs().max().item<float>());
        }
        Console.WriteLine($"band-flat: max |RGB - 13-band| {maxDiff:E2} of max |feature| {maxValue:F2}; RGB in B04/B03/B02 + gray elsewhere: {blendDiff:F3} (not expected to match)");
        Assert.IsTrue(maxValue > 0.1, "features are not trivially zero");
        Assert.IsTrue(maxDiff <= 1e-4 * Math.Max(1, maxValue), $"max abs diff {maxDiff}");
    }

    [TestMethod]
    public void NonRgbSource_IntoAnotherChannelCount_NamesTheFileAndBothCounts()
    {
        // A 4-band state dict (the fixture adapted to B02,B03,B04,B08) cannot be guessed into 13 bands.
        var layout = InitialWeights.ReadLayout(TorchStateDictImporterTests.PlainStateDict);
        using var four = new ResNetEncoder(layout with { InputChannels = 4 });
        InitialWeights.LoadInto(four, TorchStateDictImporterTests.PlainStateDict, bandNames: FourBands);
        var dict = new Hashtable();
        foreach (var (k, v) in four.state_dict()) dict[k] = v;
        string path = Path.Combine(TestData.TempFolder("four-band-weights"), "four_band.pth");
        PyTorchPickler.PickleStateDict(path, dict);
        Assert.AreEqual(4, InitialWeights.ReadLayout(path).InputChannels);

        using var thirteen = new ResNetEncoder(layout with { InputChannels = 13 });
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => InitialWeights.LoadInto(thirteen, path, bandNames: ThirteenBands));
        StringAssert.Contains(ex.Message, "four_band.pth");
        StringAssert.Contains(ex.Message, "4 input channels");
        StringAssert.Contains(ex.Message, "13");

        // Same count: loaded as is.
        using var again = new ResNetEncoder(layout with { InputChannels = 4 });
        InitialWeights.LoadInto(again, path, bandNames: FourBands);
        Assert.IsTrue(again.state_dict()["conv1.weight"].eq(four.state_dict()["conv1.weight"]).all().item<bool>());

        var names = Assert.ThrowsExactly<ArgumentException>(() => InitialWeights.LoadInto(thirteen, TorchStateDictImporterTests.PlainStateDict, bandNames: FourBands));
        StringAssert.Contains(names.Message, "B02,B03,B04,B08");
        StringAssert.Contains(names.Message, "13 input channels");
    }
}
