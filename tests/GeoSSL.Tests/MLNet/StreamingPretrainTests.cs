using GeoSSL.Core.Engine;
using GeoSSL.Data.Manifests;
using GeoSSL.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using MetricNames = GeoSSL.MLNet.MetricNames;

namespace GeoSSL.Tests.MLNet;

/// <summary>
/// Issue 16 item 7 through the estimator: a Parquet manifest read lazily (LoadGeoManifest) and images decoded while training
/// (StreamImages) give the run that decoding everything first gives, step for step.
/// </summary>
[TestClass]
public sealed class StreamingPretrainTests
{
    private static readonly ManifestColumns Columns = new() { Timestamp = "Timestamp" };

    private static string ParquetManifest()
    {
        string path = Path.Combine(TestData.TempFolder("streaming-pretrain"), "tiles.parquet");
        ManifestWriter.Write(path, TestData.OscdRecords().Take(64), Columns);
        return path;
    }

    private static GeoContrastivePretrainEstimator.Options Options(bool? stream)
    {
        var o = TileRows.TinyOptions(epochs: 2);
        o.TimestampColumnName = "Timestamp";
        o.StreamImages = stream;
        o.MonitorImages = 16;
        return o;
    }

    [TestMethod]
    public void ParquetManifest_StreamedImages_TrainExactlyAsDecodedImages()
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadGeoManifest(ParquetManifest(), Columns);
        Assert.AreEqual(64, rows.GetColumn<string>("ImagePath").Count());

        var decoded = ml.Transforms.GeoContrastivePretrain(Options(stream: false));
        using var a = decoded.Fit(rows);
        var streamed = ml.Transforms.GeoContrastivePretrain(Options(stream: true));
        using var b = streamed.Fit(rows);

        var lossesA = decoded.LastReport!.Result.StepLosses;
        var lossesB = streamed.LastReport!.Result.StepLosses;
        Assert.AreEqual(4, lossesA.Count, "2 epochs of 2 steps");
        CollectionAssert.AreEqual(lossesA.ToArray(), lossesB.ToArray(), "streaming feeds the loop the same batches");
        Assert.AreEqual(decoded.LastReport.Epochs[^1].ValidationMetric(MetricNames.EmbeddingStd), streamed.LastReport.Epochs[^1].ValidationMetric(MetricNames.EmbeddingStd), "the monitor sees the same images");
    }

    [TestMethod]
    public void StreamImagesWithSkipPolicy_IsRefusedBeforeAnyWork()
    {
        var ml = new MLContext(seed: 1);
        var options = Options(stream: true);
        options.BadImagePolicy = BadImagePolicy.Skip;
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GeoContrastivePretrain(options).Fit(ml.Data.LoadGeoManifest(ParquetManifest(), Columns)));
        StringAssert.Contains(e.Message, "BadImagePolicy.Skip");
    }
}
