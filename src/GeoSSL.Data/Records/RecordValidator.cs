namespace GeoSSL.Data.Records;

/// <summary>Checks coordinates and identifiers before anything is decoded or trained.</summary>
public static class RecordValidator
{
    /// <param name="latitudeColumn">Column names used in messages.</param>
    public static void Validate(IReadOnlyList<GeoImageRecord> records, string latitudeColumn = "Latitude",
        string longitudeColumn = "Longitude", string locationColumn = "LocationId", string imageColumn = "ImagePath")
    {
        if (records.Count == 0) throw new GeoDataException("The input has no rows: pretraining needs at least one batch of geo-tagged images.");
        foreach (var r in records)
        {
            if (double.IsNaN(r.Latitude) || double.IsInfinity(r.Latitude))
                throw new GeoDataException($"Row {r.Row}: column '{latitudeColumn}' is {r.Latitude}; every image needs a finite latitude.", r.Row, latitudeColumn);
            if (double.IsNaN(r.Longitude) || double.IsInfinity(r.Longitude))
                throw new GeoDataException($"Row {r.Row}: column '{longitudeColumn}' is {r.Longitude}; every image needs a finite longitude.", r.Row, longitudeColumn);
            if (r.Latitude is < -90 or > 90)
                throw new GeoDataException($"Row {r.Row}: column '{latitudeColumn}' is {r.Latitude}, outside [-90, 90].", r.Row, latitudeColumn);
            if (r.Longitude is < -180 or > 180)
                throw new GeoDataException($"Row {r.Row}: column '{longitudeColumn}' is {r.Longitude}, outside [-180, 180].", r.Row, longitudeColumn);
            if (string.IsNullOrWhiteSpace(r.LocationId))
                throw new GeoDataException($"Row {r.Row}: column '{locationColumn}' is empty; every image needs a location id.", r.Row, locationColumn);
            if (string.IsNullOrWhiteSpace(r.ImagePath))
                throw new GeoDataException($"Row {r.Row}: column '{imageColumn}' is empty.", r.Row, imageColumn);
        }
    }
}
