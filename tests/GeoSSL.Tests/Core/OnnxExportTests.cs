using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Core;

// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class OnnxExportTests
{
    private const float Tolerance = 1e-4f;
    private const int Batch = 5;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ResNet18SmallStem_MatchesTorchSharp()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, SmallInputStem = true }, seed: 1, size: 32);
        var options = RgbOptions(32, 32);
        double diff = CompareWithTorch(encoder, options, seed: 11);
        Assert.AreEqual(64, OnnxEncoderExporter.OutputDimension(encoder, options));
        TestContext.WriteLine($"ResNet-18 small stem, width 8, 32x32: max |diff| = {diff:E2}");
    }

    [TestMethod]
    public void ResNet18StandardStem_MatchesTorchSharp()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }, seed: 2, size: 64);
        double diff = CompareWithTorch(encoder, RgbOptions(64, 64), seed: 12);
        TestContext.WriteLine($"ResNet-18 standard stem, width 16, 64x64: max |diff| = {diff:E2}");
    }

    [TestMethod]
    public void ResNet50_MatchesTorchSharp()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet50, BaseWidth = 8 }, seed: 3, size: 64);
        double diff = CompareWithTorch(encoder, RgbOptions(64, 64), seed: 13);
        Assert.AreEqual(256, encoder.FeatureDimension);
        TestContext.WriteLine($"ResNet-50 standard stem, width 8, 64x64: max |diff| = {diff:E2}");
    }

    [TestMethod]
    public void PooledLayers_ConcatenateStagePools_InOnnxAsInTorchSharp()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }, seed: 21, size: 64);
        var options = RgbOptions(64, 64) with { PooledLayers = [3, 4] };
        Assert.AreEqual(64 + 128, OnnxEncoderExporter.OutputDimension(encoder, options), "layer3 (64) + layer4 (128) channels at width 16");
        double diff = CompareWithTorch(encoder, options, seed: 22);
        TestContext.WriteLine($"ResNet-18 width 16, layer3+layer4 pools: max |diff| = {diff:E2}");

        // [4] is exactly the usual pooled output, and the layer4 half of [3, 4] is that same output.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = torch.randn(3, 3, 64, 64);
        var usual = encoder.forward(x);
        Assert.AreEqual(0f, (encoder.ForwardPooled(x, [4]) - usual).abs().max().item<float>(), 1e-6f);
        var both = encoder.ForwardPooled(x, [3, 4]);
        Assert.AreEqual(0f, (both.narrow(1, 64, 128) - usual).abs().max().item<float>(), 1e-6f);
        Assert.IsGreaterThan(1e-3f, both.narrow(1, 0, 64).abs().max().item<float>(), "layer3's pools are not empty");

        using var head = new ProjectionHead(128, 32, 8);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OnnxEncoderExporter.Export(encoder, options with { Head = head })).Message, "PooledLayers");
        foreach (int[] bad in new[] { new int[0], [4, 3], [3, 3], [0, 4], [5] })
            Assert.ThrowsExactly<ArgumentException>(() => OnnxEncoderExporter.Export(encoder, RgbOptions(64, 64) with { PooledLayers = bad }), string.Join(",", bad));
    }

    [TestMethod]
    public void PoolStandardDeviation_AndTestTimeFlip_MatchTorchSharp()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }, seed: 23, size: 64);
        var std = RgbOptions(64, 64) with { PooledLayers = [2, 3, 4], PoolStandardDeviation = true };
        Assert.AreEqual(2 * (32 + 64 + 128), OnnxEncoderExporter.OutputDimension(encoder, std), "a mean and a std per channel of layer2-4");
        TestContext.WriteLine($"layer2-4 means and stds: max |diff| = {CompareWithTorch(encoder, std, seed: 24):E2}");
        var flip = RgbOptions(64, 64) with { PooledLayers = [3, 4], TestTimeAugmentation = TestTimeAugmentation.HorizontalFlip };
        Assert.AreEqual(64 + 128, OnnxEncoderExporter.OutputDimension(encoder, flip), "the flip average keeps the width");
        TestContext.WriteLine($"layer3+4 averaged with the mirror: max |diff| = {CompareWithTorch(encoder, flip, seed: 25):E2}");
        TestContext.WriteLine($"both: max |diff| = {CompareWithTorch(encoder, std with { TestTimeAugmentation = TestTimeAugmentation.HorizontalFlip }, seed: 26):E2}");

        // With the flip, an image and its mirror get the same features; without it they differ.
        byte[] flipped = OnnxEncoderExporter.Export(encoder, flip), plain = OnnxEncoderExporter.Export(encoder, flip with { TestTimeAugmentation = TestTimeAugmentation.None });
        var image = new float[3 * 64 * 64];
        var random = new Random(27);
        for (int i = 0; i < image.Length; i++) image[i] = random.Next(256);
        var mirror = new float[image.Length];
        for (int c = 0; c < 3; c++)
            for (int row = 0; row < 64; row++)
                for (int col = 0; col < 64; col++) mirror[(c * 64 + row) * 64 + col] = image[(c * 64 + row) * 64 + 63 - col];
        var rotated = new float[image.Length]; // 90° clockwise: out[r, c] = in[63 - c, r]
        for (int c = 0; c < 3; c++)
            for (int row = 0; row < 64; row++)
                for (int col = 0; col < 64; col++) rotated[(c * 64 + row) * 64 + col] = image[(c * 64 + 63 - col) * 64 + row];
        double Difference(byte[] model, float[] other)
        {
            using var session = new InferenceSession(model);
            return MaxAbsDiff(Run(session, flip, image, 1, 3, 64, 64).Values, Run(session, flip, other, 1, 3, 64, 64).Values);
        }
        Assert.IsLessThan(1e-4, Difference(flipped, mirror), "mirror-averaged features of an image and its mirror");
        Assert.IsGreaterThan(1e-3, Difference(plain, mirror), "plain features of an image and its mirror");
        Assert.IsGreaterThan(1e-3, Difference(flipped, rotated), "mirror-averaged features of an image and its 90° rotation");
        byte[] dihedral = OnnxEncoderExporter.Export(encoder, flip with { TestTimeAugmentation = TestTimeAugmentation.Dihedral });
        Assert.IsLessThan(1e-4, Difference(dihedral, rotated), "dihedral-averaged features of an image and its 90° rotation");

        // Four flips and all eight rotations/reflections: the averages over those views.
        TestContext.WriteLine($"flips: max |diff| = {CompareWithTorch(encoder, flip with { TestTimeAugmentation = TestTimeAugmentation.Flips }, seed: 28):E2}");
        TestContext.WriteLine($"dihedral: max |diff| = {CompareWithTorch(encoder, std with { TestTimeAugmentation = TestTimeAugmentation.Dihedral }, seed: 29):E2}");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OnnxEncoderExporter.Export(encoder,
            RgbOptions(64, 48) with { TestTimeAugmentation = TestTimeAugmentation.Dihedral })).Message, "square");

        using var head = new ProjectionHead(128, 32, 8);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OnnxEncoderExporter.Export(encoder, RgbOptions(64, 64) with { PoolStandardDeviation = true, Head = head })).Message,
            "PoolStandardDeviation");
    }

    [TestMethod]
    public void FourChannelInput_MatchesTorchSharp()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, InputChannels = 4, SmallInputStem = true }, seed: 4, size: 32);
        var options = RgbOptions(32, 32) with
        {
            Mean = [0.485f, 0.456f, 0.406f, 0.5f],
            Std = [0.229f, 0.224f, 0.225f, 0.25f],
        };
        double diff = CompareWithTorch(encoder, options, seed: 14);
        TestContext.WriteLine($"ResNet-18 4-channel, width 8, 32x32: max |diff| = {diff:E2}");
    }

    [TestMethod]
    public void ProjectionHead_MatchesTorchSharp()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, SmallInputStem = true }, seed: 5, size: 32);
        torch.manual_seed(50);
        using var head = new ProjectionHead(encoder.FeatureDimension, encoder.FeatureDimension, 16);
        head.eval();
        var options = RgbOptions(32, 32) with { Head = head };
        Assert.AreEqual(16, OnnxEncoderExporter.OutputDimension(encoder, options));
        double diff = CompareWithTorch(encoder, options, seed: 15);
        TestContext.WriteLine($"ResNet-18 + projection head (64-64-16): max |diff| = {diff:E2}");

        double diffNormalized = CompareWithTorch(encoder, options with { L2NormalizeOutput = true }, seed: 16);
        TestContext.WriteLine($"ResNet-18 + projection head + L2 normalisation: max |diff| = {diffNormalized:E2}");
    }

    [TestMethod]
    public void Export_LeavesModuleStateUntouched()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, SmallInputStem = true }, seed: 6, size: 32);

        encoder.train();
        var before = Snapshot(encoder);
        OnnxEncoderExporter.Export(encoder, RgbOptions(32, 32));
        Assert.IsTrue(encoder.training, "Export switched a training-mode encoder out of training mode.");
        Assert.IsTrue(encoder.modules().All(m => m.training), "Export changed a sub-module's training flag.");
        AssertSameState(before, Snapshot(encoder));

        encoder.eval();
        AssertExportIsDeterministic(encoder);
        Assert.IsFalse(encoder.training, "Export switched an eval-mode encoder into training mode.");
        Assert.IsTrue(encoder.modules().All(m => !m.training), "Export changed a sub-module's training flag.");
        AssertSameState(before, Snapshot(encoder));
    }

    private static void AssertExportIsDeterministic(ResNetEncoder encoder)
    {
        byte[] a = OnnxEncoderExporter.Export(encoder, RgbOptions(32, 32));
        byte[] b = OnnxEncoderExporter.Export(encoder, RgbOptions(32, 32));
        CollectionAssert.AreEqual(a, b, "Export is not deterministic.");
    }

    [TestMethod]
    public void Model_HasExpectedHeaderShapesAndOps()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet50, BaseWidth = 8 }, seed: 7, size: 64);
        var model = ModelProto.Parser.ParseFrom(OnnxEncoderExporter.Export(encoder, RgbOptions(64, 64) with { InputName = "image", OutputName = "embedding" }));

        Assert.AreEqual(8L, model.IrVersion);
        Assert.AreEqual("GeoSSL.MLNet", model.ProducerName);
        Assert.HasCount(1, model.OpsetImport);
        Assert.AreEqual(17L, model.OpsetImport[0].Version);
        Assert.AreEqual("", model.OpsetImport[0].Domain);

        var input = model.Graph.Input.Single();
        Assert.AreEqual("image", input.Name);
        var inDims = input.Type.TensorType.Shape.Dim;
        Assert.AreEqual("N", inDims[0].DimParam);
        CollectionAssert.AreEqual(new long[] { 3, 64, 64 }, inDims.Skip(1).Select(d => d.DimValue).ToArray());
        var output = model.Graph.Output.Single();
        Assert.AreEqual("embedding", output.Name);
        Assert.AreEqual("N", output.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.AreEqual(256L, output.Type.TensorType.Shape.Dim[1].DimValue);

        var ops = model.Graph.Node.Select(n => n.OpType).ToList();
        Assert.DoesNotContain("BatchNormalization", ops);
        Assert.AreEqual(53, ops.Count(o => o == "Conv"), "ResNet-50 has 53 convolutions (49 + 4 downsample).");
        Assert.AreEqual(17, ops.Count(o => o == "Add"), "16 residual additions plus one input-normalisation Add.");
        Assert.AreEqual(1, ops.Count(o => o == "MaxPool"));
        Assert.AreEqual(1, ops.Count(o => o == "GlobalAveragePool"));
        Assert.IsTrue(model.Graph.Initializer.All(t => t.Dims.Aggregate(1L, (p, d) => p * d) * 4 == t.RawData.Length));
    }

    [TestMethod]
    public void Save_WritesAtomicallyAndLoads()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, SmallInputStem = true }, seed: 8, size: 32);
        var options = RgbOptions(32, 32);
        string dir = Path.Combine(Path.GetTempPath(), "geossl-onnx-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "sub", "encoder.onnx");
            OnnxEncoderExporter.Save(encoder, options, path);
            File.WriteAllBytes(path + ".keep", []);
            OnnxEncoderExporter.Save(encoder, options, path); // overwrite an existing file
            CollectionAssert.AreEqual(OnnxEncoderExporter.Export(encoder, options), File.ReadAllBytes(path));
            CollectionAssert.AreEquivalent(new[] { "encoder.onnx", "encoder.onnx.keep" },
                Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).ToArray(), "Temporary files were left behind.");
            using var session = new InferenceSession(path);
            Assert.AreEqual("features", session.OutputMetadata.Keys.Single());
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Export_RejectsMismatchedOptions()
    {
        using var encoder = BuildEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, SmallInputStem = true }, seed: 9, size: 32, warmUp: false);
        Assert.ThrowsExactly<ArgumentException>(() => OnnxEncoderExporter.Export(encoder, RgbOptions(32, 32) with { Mean = [0f, 0f] }));
        Assert.ThrowsExactly<ArgumentException>(() => OnnxEncoderExporter.Export(encoder, RgbOptions(32, 32) with { Std = [1f, 0f, 1f] }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OnnxEncoderExporter.Export(encoder, RgbOptions(0, 32)));
        using var head = new ProjectionHead(32, 32, 8);
        Assert.ThrowsExactly<ArgumentException>(() => OnnxEncoderExporter.Export(encoder, RgbOptions(32, 32) with { Head = head }));
    }

    // ---- helpers ----

    private static OnnxExportOptions RgbOptions(int height, int width) => new()
    {
        InputHeight = height,
        InputWidth = width,
        InputScale = 1f / 255f,
        Mean = OnnxExportOptions.ImageNetMean,
        Std = OnnxExportOptions.ImageNetStd,
    };

    /// <summary>
    /// Seeded encoder with non-trivial BatchNorm affine parameters and running statistics (from train-mode
    /// forward passes on random normalised input), left in eval mode.
    /// </summary>
    private static ResNetEncoder BuildEncoder(ResNetOptions options, int seed, int size, bool warmUp = true)
    {
        torch.manual_seed(seed);
        var encoder = new ResNetEncoder(options);
        if (warmUp)
        {
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                foreach (var (_, module) in encoder.named_modules())
                {
                    if (module is not BatchNorm2d bn) continue;
                    bn.weight!.uniform_(0.5, 1.5);
                    bn.bias!.normal_(0, 0.2);
                    bn.momentum = 0.5;
                }
                encoder.train();
                for (int i = 0; i < 3; i++)
                    encoder.forward(torch.randn(8, options.InputChannels, size, size) * 1.5 + 0.2);
            }
        }
        encoder.eval();
        return encoder;
    }

    /// <summary>
    /// Exports the encoder, runs batch 5 and batch 1 through ONNX Runtime on 0..255 inputs, compares with
    /// TorchSharp (normalised by hand) and returns the max abs difference.
    /// </summary>
    private double CompareWithTorch(ResNetEncoder encoder, OnnxExportOptions options, int seed)
    {
        bool wasTraining = encoder.training;
        byte[] bytes = OnnxEncoderExporter.Export(encoder, options);
        Assert.AreEqual(wasTraining, encoder.training, "Export changed the training flag.");

        int channels = encoder.Options.InputChannels;
        int h = options.InputHeight, w = options.InputWidth;
        int d = OnnxEncoderExporter.OutputDimension(encoder, options);

        float[] pixels;
        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var generator = new Generator((ulong)seed);
            var x = torch.randint(0, 256, [Batch, channels, h, w], generator: generator).to_type(ScalarType.Float32);
            pixels = x.data<float>().ToArray();
            var mean = torch.tensor(options.Mean!, [1, channels, 1, 1]);
            var std = torch.tensor(options.Std!, [1, channels, 1, 1]);
            var normalised = (x * options.InputScale - mean) / std;
            var y = options.PoolStandardDeviation || options.TestTimeAugmentation != TestTimeAugmentation.None
                ? PooledStatisticsByHand(encoder, normalised, options)
                : options.PooledLayers.SequenceEqual([4]) ? encoder.forward(normalised) : encoder.ForwardPooled(normalised, options.PooledLayers);
            if (options.Head is not null) y = options.Head.forward(y);
            if (options.L2NormalizeOutput) y = nn.functional.normalize(y, p: 2, dim: 1);
            CollectionAssert.AreEqual(new long[] { Batch, d }, y.shape);
            expected = y.data<float>().ToArray();
        }
        Assert.IsTrue(expected.All(float.IsFinite));
        Assert.IsGreaterThan(1e-3, expected.Max(Math.Abs), "Reference features are degenerate.");

        using var session = new InferenceSession(bytes);
        var (shape5, actual5) = Run(session, options, pixels, Batch, channels, h, w);
        CollectionAssert.AreEqual(new long[] { Batch, d }, shape5);
        double maxDiff = MaxAbsDiff(expected, actual5);

        int perImage = channels * h * w;
        var (shape1, actual1) = Run(session, options, pixels[..perImage], 1, channels, h, w);
        CollectionAssert.AreEqual(new long[] { 1, d }, shape1);
        maxDiff = Math.Max(maxDiff, MaxAbsDiff(expected[..d], actual1));

        Assert.IsLessThanOrEqualTo((double)Tolerance, maxDiff, $"ONNX and TorchSharp disagree: max |diff| = {maxDiff:E3}.");
        TestContext.WriteLine($"  max |feature| = {expected.Max(Math.Abs):G4}, max |diff| = {maxDiff:E2}");
        return maxDiff;
    }

    /// <summary>The features PoolStandardDeviation and TestTimeFlip describe, from the stage outputs (the mirror's mean taken last).</summary>
    private static Tensor PooledStatisticsByHand(ResNetEncoder encoder, Tensor normalised, OnnxExportOptions options)
    {
        Tensor Pools(Tensor x)
        {
            var stages = encoder.ForwardStages(x);
            var parts = new List<Tensor>();
            foreach (int layer in options.PooledLayers)
            {
                parts.Add(stages[layer].mean([2, 3]));
                if (options.PoolStandardDeviation) parts.Add(stages[layer].std([2, 3], unbiased: false));
            }
            return torch.cat(parts, 1);
        }
        var views = new List<Tensor> { normalised, normalised.flip(3) };
        if (options.TestTimeAugmentation is TestTimeAugmentation.Flips or TestTimeAugmentation.Dihedral) views.AddRange([normalised.flip(2), normalised.flip(2, 3)]);
        if (options.TestTimeAugmentation == TestTimeAugmentation.Dihedral)
        {
            var transposed = normalised.transpose(2, 3);
            views.AddRange([transposed, transposed.flip(3), transposed.flip(2), transposed.flip(2, 3)]);
        }
        return options.TestTimeAugmentation == TestTimeAugmentation.None ? Pools(normalised)
            : torch.stack(views.Take(options.TestTimeAugmentation.Views()).Select(Pools).ToArray()).mean([0]);
    }

    private static (long[] Shape, float[] Values) Run(InferenceSession session, OnnxExportOptions options, float[] pixels, int batch, int c, int h, int w)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [batch, c, h, w]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [options.InputName], [input], [options.OutputName]);
        var output = outputs[0];
        return (output.GetTensorTypeAndShape().Shape, output.GetTensorDataAsSpan<float>().ToArray());
    }

    private static double MaxAbsDiff(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        double max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs((double)expected[i] - actual[i]));
        return max;
    }

    private static Dictionary<string, float[]> Snapshot(ResNetEncoder encoder) =>
        encoder.state_dict().ToDictionary(kv => kv.Key, kv =>
        {
            using var scope = NewDisposeScope();
            return kv.Value.detach().to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        });

    private static void AssertSameState(Dictionary<string, float[]> before, Dictionary<string, float[]> after)
    {
        CollectionAssert.AreEquivalent(before.Keys.ToArray(), after.Keys.ToArray());
        foreach (var (key, values) in before) CollectionAssert.AreEqual(values, after[key], $"Export changed '{key}'.");
    }
}
