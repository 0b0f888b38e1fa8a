using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Images;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Import;

/// <summary>ML.NET's ImageNet ResNet-18 (CNTK-exported ONNX) mapped onto the torchvision-layout encoder.</summary>
// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class OnnxResNetImporterTests
{
    private static string ResNet18Onnx => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    [TestMethod]
    public void ImportedEncoder_GivesTheOnnxModelsPooledFeatures_OnRealTiles()
    {
        // ML.NET's "ResNet18" is CNTK's model: torchvision's layout with a third block in layer4.
        var layout = OnnxResNetImporter.ReadLayout(ResNet18Onnx);
        Assert.AreEqual(ResNetDepth.ResNet18, layout.Depth);
        CollectionAssert.AreEqual(new[] { 2, 2, 2, 3 }, layout.Blocks);
        Assert.AreEqual(64, layout.BaseWidth);
        using var encoder = new ResNetEncoder(layout);
        var names = OnnxResNetImporter.LoadInto(encoder, ResNet18Onnx);
        Assert.AreEqual(22 * 5, names.Count, "22 conv + BN pairs: 1 stem, 18 block convs, 3 shortcuts");
        encoder.eval();
        using var session = new InferenceSession(ResNet18Onnx);
        string input = session.InputMetadata.Keys.Single();
        double maxDiff = 0, maxValue = 0;
        var tiles = TestData.OscdRecords().Where((_, i) => i % 80 == 0).Take(4).ToList();
        foreach (var tile in tiles)
        {
            // The same input to both: the tile at 224 px, 0..255 minus a constant (as the CNTK model expects).
            var pixels = new byte[3 * 224 * 224];
            ImageDecoder.DecodeRgbPlanar(tile.ImagePath, 224, 224, pixels);
            var x = pixels.Select(p => p - 115f).ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(x, new long[] { 1, 3, 224, 224 });
            using var outputs = session.Run(new RunOptions(), new Dictionary<string, OrtValue> { [input] = value }, session.OutputNames);
            var expected = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            float[] actual;
            using (no_grad()) actual = encoder.forward(tensor(x, new long[] { 1, 3, 224, 224 })).data<float>().ToArray();
            Assert.AreEqual(512, expected.Length);
            for (int i = 0; i < 512; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
                maxValue = Math.Max(maxValue, Math.Abs(expected[i]));
            }
        }
        Console.WriteLine($"max |ONNX - TorchSharp| {maxDiff:E2}, max |feature| {maxValue:F2}");
        Assert.IsTrue(maxValue > 0.1, "features are not trivially zero");
        Assert.IsTrue(maxDiff <= 1e-4, $"max abs diff {maxDiff}");
    }

    [TestMethod]
    public void WrongArchitecture_NamesTheFileAndTheParameter()
    {
        using var narrow = new ResNetEncoder(OnnxResNetImporter.ReadLayout(ResNet18Onnx) with { BaseWidth = 32 });
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OnnxResNetImporter.LoadInto(narrow, ResNet18Onnx));
        StringAssert.Contains(ex.Message, "ResNet18.onnx");
        StringAssert.Contains(ex.Message, "'conv1.weight'");
        StringAssert.Contains(ex.Message, "wrong shape");

        using var deeper = new ResNetEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet50 });
        var ex50 = Assert.ThrowsExactly<InvalidDataException>(() => OnnxResNetImporter.LoadInto(deeper, ResNet18Onnx));
        StringAssert.Contains(ex50.Message, "ResNet18.onnx");

        // torchvision's [2,2,2,2] misses the graph's third layer4 block: an extra block, not a silent truncation.
        using var standard = new ResNetEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18 });
        var extra = Assert.ThrowsExactly<InvalidDataException>(() => OnnxResNetImporter.LoadInto(standard, ResNet18Onnx));
        StringAssert.Contains(extra.Message, "extra");
    }
}
