namespace GeoSSL.Data.Records;

/// <summary>One geo-tagged image: where it is, which location (ground footprint) it shows, and when.</summary>
/// <param name="Row">0-based row in the source, used in error messages.</param>
internal sealed record GeoImageRecord(long Row, string ImagePath, string LocationId, double Latitude, double Longitude, DateTime? Timestamp = null);
