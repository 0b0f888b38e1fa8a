using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Records;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Tests.MLNet;

/// <summary>Bad images at featurization time: the batched featurizer names the row and the file; the stock chain's behaviour is pinned as documented.</summary>
[TestClass]
public sealed class BadInputFeaturizerTests
{
    private readonly MLContext ml = new(seed: 1);
    private string folder = "";
    private string encoder = "";

    [TestInitialize]
    public void Encoder()
    {
        folder = TestData.TempFolder("bad-featurize");
        encoder = Path.Combine(folder, "encoder.onnx");
        // An untrained small encoder is enough: these tests are about the images, not the features.
        using var net = new ResNetEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8 });
        OnnxEncoderExporter.Save(net, new OnnxExportOptions { InputHeight = 32, InputWidth = 32, InputScale = 1f / 255f }, encoder);
    }

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(folder, recursive: true);

    private GeoSSL.MLNet.Featurizer.GeoImageFeaturizer Featurizer(IDataView data) => ml.Transforms.GeoFeaturizeImage(encoder, batchSize: 16).Fit(data);

    private static void ReadAllFeatures(IDataView output)
    {
        var column = output.Schema["Features"];
        using var cursor = output.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> value = default;
        while (cursor.MoveNext()) getter(ref value);
    }

    [TestMethod]
    public void MissingFile_InBatchedTransform_NamesRowAndFile()
    {
        var rows = TileRows.Load(48);
        using var featurizer = Featurizer(ml.Data.LoadFromEnumerable(rows));
        string missing = Path.Combine(folder, "gone.png");
        rows[37].ImagePath = missing;
        var e = Assert.ThrowsExactly<GeoDataException>(() => ReadAllFeatures(featurizer.Transform(ml.Data.LoadFromEnumerable(rows))));
        StringAssert.Contains(e.Message, "Row 37: image file");
        StringAssert.Contains(e.Message, missing);
        StringAssert.Contains(e.Message, "does not exist");
        Assert.AreEqual(missing, e.FilePath);
        Assert.AreEqual(37L, e.Row);
    }

    [TestMethod]
    public void CorruptOrEmptyFile_InBatchedTransform_NamesRowAndFile()
    {
        var rows = TileRows.Load(48);
        using var featurizer = Featurizer(ml.Data.LoadFromEnumerable(rows));
        foreach (var bad in new[] { BadImages.TextNamedPng(folder), BadImages.ZeroBytes(folder) })
        {
            rows[20].ImagePath = bad;
            var e = Assert.ThrowsExactly<GeoDataException>(() => ReadAllFeatures(featurizer.Transform(ml.Data.LoadFromEnumerable(rows))));
            StringAssert.Contains(e.Message, "Row 20: image file");
            StringAssert.Contains(e.Message, bad);
            StringAssert.Contains(e.Message, "could not be read");
        }
        rows[20].ImagePath = "";
        var empty = Assert.ThrowsExactly<GeoDataException>(() => ReadAllFeatures(featurizer.Transform(ml.Data.LoadFromEnumerable(rows))));
        StringAssert.Contains(empty.Message, "Row 20: column 'ImagePath' is empty");
    }

    [TestMethod]
    public void MissingFile_InStockChain_IsLoadImagesOwnError()
    {
        // Documented on GeoImageFeaturizer: single-row use goes through ML.NET's own LoadImages, which names a missing file.
        var rows = TileRows.Load(4);
        using var featurizer = Featurizer(ml.Data.LoadFromEnumerable(rows));
        var engine = ml.Model.CreatePredictionEngine<TileRow, FeatureRow>(featurizer);
        string missing = Path.Combine(folder, "gone.png");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => engine.Predict(new TileRow { ImagePath = missing, LocationId = "x" }));
        StringAssert.Contains(e.Message, missing);
        Assert.HasCount(featurizer.FeatureDimension, engine.Predict(rows[0]).Features);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
