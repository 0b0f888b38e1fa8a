using GeoSSL.Data.Records;

namespace GeoSSL.MLNet.Reading;

/// <summary>
/// One geo-tagged image file as an ML.NET row (<c>mlContext.Data.LoadFmow</c>, <c>LoadGeoManifest</c>). The column names are
/// <see cref="GeoContrastivePretrainEstimator.Options"/>' defaults, so the rows feed <c>GeoContrastivePretrain</c>
/// without column options; set <c>TimestampColumnName = "Timestamp"</c> to let temporal positives use the dates.
/// </summary>
public sealed class GeoImageRow
{
    /// <summary>Path of the image file (absolute for fMoW; as resolved against the manifest's image folder otherwise).</summary>
    public string ImagePath { get; set; } = "";
    /// <summary>The place the image shows (fMoW: <c>split/category/category_n</c>, one place imaged on several dates).</summary>
    public string LocationId { get; set; } = "";
    /// <summary>WGS84 degrees (fMoW: centroid of the image footprint, raw_location).</summary>
    public double Latitude { get; set; }
    /// <summary>WGS84 degrees.</summary>
    public double Longitude { get; set; }
    /// <summary>Acquisition time (UTC); DateTime.MinValue when the source has no dates.</summary>
    public DateTime Timestamp { get; set; }

    internal static GeoImageRow From(GeoImageRecord r) => new()
    {
        ImagePath = r.ImagePath, LocationId = r.LocationId, Latitude = r.Latitude, Longitude = r.Longitude, Timestamp = r.Timestamp ?? DateTime.MinValue,
    };
}
