using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.MLNet;
using Microsoft.ML;
using ResNetDepth = GeoSSL.MLNet.ResNetDepth;
using PretrainVariant = GeoSSL.MLNet.PretrainVariant;

namespace GeoSSL.Tests.MLNet;

/// <summary>A manifest row as an ML.NET user would declare it.</summary>
public sealed class TileRow
{
    public string ImagePath { get; set; } = "";
    public string LocationId { get; set; } = "";
    public double Latitude { get; set; }
    public double Longitude { get; set; }
    public string Date { get; set; } = "";
}

public static class TileRows
{
    /// <summary>The bundled real tiles (absolute paths), optionally only the first <paramref name="take"/>.</summary>
    public static List<TileRow> Load(int? take = null) => TestData.OscdRecords().Take(take ?? int.MaxValue).Select(r => new TileRow
    {
        ImagePath = r.ImagePath, LocationId = r.LocationId, Latitude = r.Latitude, Longitude = r.Longitude,
        Date = r.Timestamp!.Value.ToString("yyyy-MM-dd"),
    }).ToList();

    /// <summary>
    /// A CPU-cheap configuration (16-wide ResNet-18 at 32 px) that still runs every part of the method. Not narrower:
    /// libtorch 2.10's CPU convolution backward returns sporadic NaN input gradients for 8-channel layers with 2 threads.
    /// </summary>
    public static GeoContrastivePretrainEstimator.Options TinyOptions(string? folder = null, int epochs = 2) => new()
    {
        Architecture = ResNetDepth.ResNet18, BaseWidth = 16, ImageSize = 32, BatchSize = 32, QueueSize = 100, EncoderMomentum = 0.99,
        GeoClusters = 8, Epochs = epochs, Device = "cpu", TimestampColumnName = "Date", Variant = PretrainVariant.MoCoV2GeoTemporalPositives,
        CheckpointPath = folder is null ? null : Path.Combine(folder, "model.ckpt"),
        OnnxExportPath = folder is null ? null : Path.Combine(folder, "encoder.onnx"),
        ReportEveryNSteps = 2,
    };

    public static float[][] Features(MLContext ml, ITransformer model, IDataView data, string column = "Features")
    {
        var output = model.Transform(data);
        var col = output.Schema[column];
        var result = new List<float[]>();
        using var cursor = output.GetRowCursor(new[] { col });
        var getter = cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(col);
        Microsoft.ML.Data.VBuffer<float> v = default;
        while (cursor.MoveNext()) { getter(ref v); result.Add(v.DenseValues().ToArray()); }
        return result.ToArray();
    }

    public static double MaxAbsDiff(float[][] a, float[][] b)
    {
        Assert.AreEqual(a.Length, b.Length, "row count");
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.AreEqual(a[i].Length, b[i].Length, $"feature length of row {i}");
            for (int j = 0; j < a[i].Length; j++) max = Math.Max(max, Math.Abs(a[i][j] - b[i][j]));
        }
        return max;
    }
}
