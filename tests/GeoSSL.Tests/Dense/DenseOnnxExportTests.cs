using GeoSSL.Core.Dense;
using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Dense;

// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class DenseOnnxExportTests
{
    private const float Tolerance = 1e-4f;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Segmentation_MatchesTorchSharp_AtAnOddSize()
    {
        // 56 x 40 px with the standard stem: layer4 is 2 x 2 and layer3 4 x 3, so one Resize is not an exact x2.
        using var model = DenseTestModels.Build(DenseModelOptions.Segmentation(DenseTestModels.Tiny(false), 3), seed: 21, 56, 40);
        double diff = Compare(model, 56, 40, seed: 31);
        TestContext.WriteLine($"segmentation, 3 classes, 56x40: max |diff| = {diff:E2}");
    }

    [TestMethod]
    [DataRow((int)ChangeFusion.Difference, false, 64)]
    [DataRow((int)ChangeFusion.Concatenation, false, 64)]
    [DataRow((int)ChangeFusion.Difference, true, 32)]
    [DataRow((int)ChangeFusion.Concatenation, true, 32)]
    public void Change_MatchesTorchSharp(int fusionValue, bool smallStem, int size)
    {
        var fusion = (ChangeFusion)fusionValue; // the enum is internal; a public test method cannot take it
        using var model = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(smallStem), fusion), seed: 22, size, size);
        double diff = Compare(model, size, size, seed: 32);
        TestContext.WriteLine($"change, {fusion}, {(smallStem ? "small" : "standard")} stem, {size}px: max |diff| = {diff:E2}");
    }

    [TestMethod]
    public void ResNet50Change_MatchesTorchSharp()
    {
        // Bottleneck stages are 4x wider than BaseWidth; the decoder's skip widths and the exporter must agree.
        var encoder = new ResNetOptions { Depth = ResNetDepth.ResNet50, BaseWidth = 8 };
        using var model = DenseTestModels.Build(DenseModelOptions.Change(encoder, ChangeFusion.Concatenation), seed: 24, 64, 64);
        double diff = Compare(model, 64, 64, seed: 34);
        TestContext.WriteLine($"change, ResNet-50 width 8, Concatenation, 64px: max |diff| = {diff:E2}");
    }

    [TestMethod]
    public void Graph_HasNamedInputsOutputsAndSharedEncoderWeights()
    {
        using var model = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(false), ChangeFusion.Concatenation), seed: 23, 32, 32, warmUp: false);
        model.train();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var onnx = ModelProto.Parser.ParseFrom(OnnxDenseExporter.Export(model, Options(32, 32)));
        Assert.IsTrue(model.training, "export leaves the training flag");
        foreach (var (key, value) in model.state_dict()) Assert.IsTrue(value.eq(before[key]).all().item<bool>(), key);

        CollectionAssert.AreEqual(new[] { "image1", "image2" }, onnx.Graph.Input.Select(i => i.Name).ToArray());
        var output = onnx.Graph.Output.Single();
        Assert.AreEqual("probabilities", output.Name);
        Assert.AreEqual("N", output.Type.TensorType.Shape.Dim[0].DimParam);
        CollectionAssert.AreEqual(new long[] { 2, 32, 32 }, output.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue).ToArray());
        var ops = onnx.Graph.Node.Select(n => n.OpType).ToList();
        Assert.DoesNotContain("BatchNormalization", ops);
        // One encoder: 20 convs of a ResNet-18 (17 + 3 shortcuts) once, not twice; 10 decoder convs; 1 head.
        Assert.AreEqual(20 + 10 + 1, ops.Count(o => o == "Conv"));
        Assert.AreEqual(5, ops.Count(o => o == "Split"));
        Assert.AreEqual(5, ops.Count(o => o == "Resize"));
        Assert.AreEqual(1, ops.Count(o => o == "Softmax"));
        Assert.AreEqual("change_detection", onnx.MetadataProps.Single(p => p.Key == "geossl.model").Value);
        Assert.AreEqual("Concatenation", onnx.MetadataProps.Single(p => p.Key == "geossl.fusion").Value);
        Assert.ThrowsExactly<ArgumentException>(() => OnnxDenseExporter.Export(model, Options(32, 32) with { SecondInputName = "image1" }));
        Assert.ThrowsExactly<ArgumentException>(() => OnnxDenseExporter.Export(model, Options(32, 32) with { Mean = [0f, 0f] }));
    }

    [TestMethod]
    public void PositiveClassOnly_SingleImage_IsTheFullGraphsChangeChannel()
    {
        using var model = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(false)), seed: 25, 32, 32);
        var full = OnnxDenseExporter.Export(model, Options(32, 32));
        var single = OnnxDenseExporter.Export(model, Options(32, 32) with { PositiveClassOnly = true, SingleImage = true, OutputName = "change" });
        var output = ModelProto.Parser.ParseFrom(single).Graph.Output.Single();
        Assert.AreEqual("change", output.Name);
        CollectionAssert.AreEqual(new long[] { 32, 32 }, output.Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray());
        var batched = ModelProto.Parser.ParseFrom(OnnxDenseExporter.Export(model, Options(32, 32) with { PositiveClassOnly = true })).Graph.Output.Single();
        Assert.AreEqual("N", batched.Type.TensorType.Shape.Dim[0].DimParam);

        var random = new Random(35);
        var pixels = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)random.Next(256)).ToArray()).ToArray();
        float[] Run(byte[] onnx, string outputName)
        {
            using var session = new InferenceSession(onnx);
            var values = pixels.Select(p => OrtValue.CreateTensorValueFromMemory(p, new long[] { 1, 3, 32, 32 })).ToArray();
            try
            {
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, ["image1", "image2"], values, [outputName]);
                return outputs[0].GetTensorDataAsSpan<float>().ToArray();
            }
            finally { foreach (var v in values) v.Dispose(); }
        }
        var all = Run(full, "probabilities");
        var change = Run(single, "change");
        // Channel 1 of [1, 2, 32, 32]; ORT may fuse the two graphs differently, hence a float's last bits of slack.
        Assert.HasCount(32 * 32, change);
        for (int i = 0; i < change.Length; i++) Assert.AreEqual(all[32 * 32 + i], change[i], 1e-6f, $"pixel {i}");
        Assert.IsGreaterThan(0.01f, change.Max() - change.Min(), "the map is not constant");
    }

    private static OnnxExportOptions Options(int h, int w) => OnnxExportOptions.ForDense() with
    {
        InputHeight = h, InputWidth = w, InputScale = 1f / 255f, Mean = OnnxExportOptions.ImageNetMean, Std = OnnxExportOptions.ImageNetStd,
    };

    /// <summary>Runs batch 3 of 0..255 images through ONNX Runtime and TorchSharp (normalised by hand); returns the max |diff| of the probabilities.</summary>
    private double Compare(DenseModel model, int h, int w, int seed)
    {
        var options = Options(h, w);
        byte[] bytes = OnnxDenseExporter.Export(model, options);
        int inputs = model.Options.Inputs, k = model.Options.Classes;
        const int batch = 3;
        var pixels = new float[inputs][];
        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var generator = new Generator((ulong)seed);
            var mean = torch.tensor(options.Mean!, new long[] { 1, 3, 1, 1 });
            var std = torch.tensor(options.Std!, new long[] { 1, 3, 1, 1 });
            var normalised = new Tensor[inputs];
            for (int i = 0; i < inputs; i++)
            {
                var x = torch.randint(0, 256, new long[] { batch, 3, h, w }, generator: generator).to_type(ScalarType.Float32);
                pixels[i] = x.data<float>().ToArray();
                normalised[i] = (x * options.InputScale - mean) / std;
            }
            var logits = inputs == 1 ? model.forward(normalised[0]) : model.Forward(normalised[0], normalised[1]);
            expected = torch.nn.functional.softmax(logits, 1).contiguous().data<float>().ToArray();
        }
        Assert.HasCount(batch * k * h * w, expected);
        Assert.IsGreaterThan(0.05f, expected.Max() - expected.Min(), "reference probabilities are degenerate");

        using var session = new InferenceSession(bytes);
        string[] names = inputs == 1 ? [options.InputName] : [options.InputName, options.SecondInputName];
        var values = names.Select((_, i) => OrtValue.CreateTensorValueFromMemory(pixels[i], new long[] { batch, 3, h, w })).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, names, values, [options.OutputName]);
            CollectionAssert.AreEqual(new long[] { batch, k, h, w }, outputs[0].GetTensorTypeAndShape().Shape);
            float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            double max = 0;
            for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs((double)expected[i] - actual[i]));
            Assert.IsLessThanOrEqualTo((double)Tolerance, max, $"ONNX and TorchSharp disagree: max |diff| = {max:E3}.");
            return max;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}
