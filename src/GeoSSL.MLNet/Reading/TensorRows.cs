using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Reading;

/// <summary>One row of a tensor image view: planar raw samples [C, H, W] and where and when they were taken.</summary>
public sealed class GeoTensorRow
{
    /// <summary>Planar raw samples [C, H, W] (a float vector column with those dimensions).</summary>
    public float[] Image { get; set; } = [];
    /// <summary>Where the samples come from (a file, or a scene window such as "paris#128,64,64@t2").</summary>
    public string ImagePath { get; set; } = "";
    /// <summary>The ground footprint the row shows (the same at every date of a window).</summary>
    public string LocationId { get; set; } = "";
    /// <summary>The raster or window centre's latitude (WGS84 degrees).</summary>
    public double Latitude { get; set; }
    /// <summary>The raster or window centre's longitude (WGS84 degrees).</summary>
    public double Longitude { get; set; }
    /// <summary>Acquisition date (DateTime.MinValue when unknown).</summary>
    public DateTime Timestamp { get; set; }
}

/// <summary>
/// Builds the IDataView behind the tensor loaders (scene windows, GeoTIFF rasters): the geo columns of every row are known up
/// front, while each row's samples are read when a cursor reaches it, so a view of many windows holds one row's pixels at a time.
/// </summary>
internal static class TensorRows
{
    /// <param name="read">Row i with its samples (Image of channels*height*width floats); called when a cursor reaches the row.</param>
    public static IDataView Create(DataOperationsCatalog catalog, int count, int channels, int height, int width, Func<int, GeoTensorRow> read)
    {
        var schema = SchemaDefinition.Create(typeof(GeoTensorRow));
        schema[nameof(GeoTensorRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, channels, height, width);
        return catalog.LoadFromEnumerable(Rows(count, channels * height * width, read), schema);
    }

    private static IEnumerable<GeoTensorRow> Rows(int count, int values, Func<int, GeoTensorRow> read)
    {
        for (int i = 0; i < count; i++)
        {
            var row = read(i);
            if (row.Image.Length != values) throw new InvalidOperationException($"Row {i} holds {row.Image.Length} samples, not {values}.");
            yield return row;
        }
    }
}
