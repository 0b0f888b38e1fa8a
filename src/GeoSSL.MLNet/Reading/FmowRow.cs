using GeoSSL.Data.Records;

namespace GeoSSL.MLNet.Reading;

/// <summary>
/// One fMoW image as an ML.NET row (see <c>mlContext.Data.LoadFmow</c>). The column names are
/// <see cref="Options.GeoContrastivePretrainOptions"/>' defaults, so the rows feed <c>GeoContrastivePretrain</c>
/// without column options; set <c>TimestampColumnName = "Timestamp"</c> to let temporal positives use the dates.
/// </summary>
public sealed class FmowRow
{
    /// <summary>Absolute path of the <c>_rgb.jpg</c> image.</summary>
    public string ImagePath { get; set; } = "";
    /// <summary><c>split/category/category_n</c>: the instance folder, one place imaged on several dates.</summary>
    public string LocationId { get; set; } = "";
    /// <summary>Centroid of the image footprint (raw_location), WGS84 degrees.</summary>
    public double Latitude { get; set; }
    /// <summary>Centroid of the image footprint (raw_location), WGS84 degrees.</summary>
    public double Longitude { get; set; }
    /// <summary>Acquisition time (UTC) from the image's timestamp.</summary>
    public DateTime Timestamp { get; set; }

    internal static FmowRow From(GeoImageRecord r) => new()
    {
        ImagePath = r.ImagePath, LocationId = r.LocationId, Latitude = r.Latitude, Longitude = r.Longitude,
        // FmowLayout always sets it; the record type allows sources without dates.
        Timestamp = r.Timestamp ?? throw new InvalidOperationException($"'{r.ImagePath}' has no timestamp."),
    };
}
