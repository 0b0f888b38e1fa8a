using System.Collections;
using GeoSSL.Core.Export;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Tests.Import;
using Google.Protobuf;
using Microsoft.ML;
using Onnx;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Reliability;

/// <summary>Truncated, foreign and non-finite ONNX and PyTorch weight files given to the featurizer and the importers stop with the file's name.</summary>
[TestClass]
public sealed class WeightFilesTests
{
    private static readonly Lazy<string> Encoder = new(() =>
    {
        var path = Path.Combine(TestData.TempFolder("weights-onnx"), "encoder.onnx");
        using var encoder = new ResNetEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8 });
        OnnxEncoderExporter.Save(encoder, new OnnxExportOptions { InputHeight = 32, InputWidth = 32, InputScale = 1f / 255f }, path);
        return path;
    });

    private static string Copy(string source, string name, Func<byte[], byte[]> change)
    {
        var path = Path.Combine(TestData.TempFolder("weights-bad"), name);
        File.WriteAllBytes(path, change(File.ReadAllBytes(source)));
        return path;
    }

    private static byte[] WithNaN(byte[] onnx)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var conv = model.Graph.Initializer.First(t => t.Dims.Count == 4);
        if (conv.RawData.Length > 0)
        {
            var raw = conv.RawData.ToByteArray();
            BitConverter.GetBytes(float.NaN).CopyTo(raw, 8);
            conv.RawData = ByteString.CopyFrom(raw);
        }
        else conv.FloatData[2] = float.NaN; // exporters that write typed arrays (CNTK's ResNet18.onnx)
        return model.ToByteArray();
    }

    [TestMethod]
    public void TruncatedOnnx_NamesTheFile_InFeaturizerAndImporter()
    {
        var path = Copy(Encoder.Value, "half.onnx", b => b[..(b.Length / 2)]);
        var featurize = Assert.Throws<InvalidDataException>(() => new MLContext().Transforms.GeoFeaturizeImage(path));
        StringAssert.Contains(featurize.Message, path);
        var import = Assert.Throws<InvalidDataException>(() => { using var e = InitialWeights.Load(path); });
        StringAssert.Contains(import.Message, path);
    }

    [TestMethod]
    public void NonFiniteOnnxWeights_AreRefused_NamingFileAndWeight()
    {
        var path = Copy(Encoder.Value, "nan.onnx", WithNaN);
        var e = Assert.Throws<InvalidDataException>(() => new MLContext().Transforms.GeoFeaturizeImage(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "non-finite");
        // The importer reads published ResNets (here ML.NET's ImageNet ResNet18.onnx), not this library's own exports.
        var imagenet = Copy(Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"), "imagenet-nan.onnx", WithNaN);
        var import = Assert.Throws<InvalidDataException>(() => { using var enc = InitialWeights.Load(imagenet); });
        StringAssert.Contains(import.Message, imagenet);
        StringAssert.Contains(import.Message, "non-finite");
    }

    [TestMethod]
    public void NonFiniteStateDict_IsRefused_NamingFileAndWeight()
    {
        var weights = TorchStateDictImporter.Read(TorchStateDictImporterTests.PlainStateDict);
        var altered = new Hashtable();
        foreach (var (k, v) in weights) altered[k] = k == "layer1.0.conv1.weight" ? v.clone().fill_(float.PositiveInfinity) : v;
        var path = Path.Combine(TestData.TempFolder("weights-inf"), "inf.pth");
        PyTorchPickler.PickleStateDict(path, altered);
        var e = Assert.Throws<InvalidDataException>(() => { using var enc = InitialWeights.Load(path); });
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "layer1.0.conv1.weight");
    }

    [TestMethod]
    public void ForeignFile_GivenAsEncoder_NamesTheFile()
    {
        var png = TestData.OscdRecords()[0].ImagePath;
        var e = Assert.Throws<InvalidDataException>(() => new MLContext().Transforms.GeoFeaturizeImage(png));
        StringAssert.Contains(e.Message, png);
        var pth = Copy(png, "image.pth", b => b);
        StringAssert.Contains(Assert.Throws<InvalidDataException>(() => { using var enc = InitialWeights.Load(pth); }).Message, pth);
    }
}
