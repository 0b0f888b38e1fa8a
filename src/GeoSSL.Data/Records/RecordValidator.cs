using System.Globalization;

namespace GeoSSL.Data.Records;

/// <summary>Checks coordinates and identifiers before anything is decoded or trained.</summary>
internal static class RecordValidator
{
    /// <summary>
    /// Degrees two rows of one location may differ by: coordinates written with 6 decimals (about 0.1 m) and read as
    /// float or double still compare equal, while two places under one id (a copy-paste or join error) do not.
    /// </summary>
    public const double LocationTolerance = 1e-6;

    /// <param name="latitudeColumn">Column names used in messages.</param>
    public static void Validate(IReadOnlyList<GeoImageRecord> records, string latitudeColumn = "Latitude",
        string longitudeColumn = "Longitude", string locationColumn = "LocationId", string imageColumn = "ImagePath")
    {
        if (records.Count == 0) throw new GeoDataException("The input has no rows: pretraining needs at least one batch of geo-tagged images.");
        var firstOfLocation = new Dictionary<string, GeoImageRecord>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            RequireNumber(r, r.Latitude, latitudeColumn, "latitude");
            RequireNumber(r, r.Longitude, longitudeColumn, "longitude");
            if (r.Latitude is < -90 or > 90)
                throw new GeoDataException($"Row {r.Row}: column '{latitudeColumn}' is {r.Latitude}, outside [-90, 90].", r.Row, latitudeColumn);
            if (r.Longitude is < -180 or > 180)
                throw new GeoDataException($"Row {r.Row}: column '{longitudeColumn}' is {r.Longitude}, outside [-180, 180].", r.Row, longitudeColumn);
            if (string.IsNullOrWhiteSpace(r.LocationId))
                throw new GeoDataException($"Row {r.Row}: column '{locationColumn}' is empty; every image needs a location id.", r.Row, locationColumn);
            if (string.IsNullOrWhiteSpace(r.ImagePath))
                throw new GeoDataException($"Row {r.Row}: column '{imageColumn}' is empty.", r.Row, imageColumn);
            // The images of one location show the same ground; two coordinates under one id would give its temporal
            // positives and its geo label two places, so the id or a coordinate is wrong.
            if (!firstOfLocation.TryAdd(r.LocationId, r))
            {
                var first = firstOfLocation[r.LocationId];
                if (Math.Abs(first.Latitude - r.Latitude) > LocationTolerance || Math.Abs(first.Longitude - r.Longitude) > LocationTolerance)
                    throw new GeoDataException(
                        $"Rows {first.Row} and {r.Row}: location '{r.LocationId}' (column '{locationColumn}') has two coordinates, " +
                        $"({Degrees(first.Latitude)}, {Degrees(first.Longitude)}) and ({Degrees(r.Latitude)}, {Degrees(r.Longitude)}) in ({latitudeColumn}, {longitudeColumn}); " +
                        $"all images of one location must share its coordinates (within {LocationTolerance:G} degrees).", r.Row, locationColumn);
            }
        }
    }

    private static void RequireNumber(GeoImageRecord r, double value, string column, string what)
    {
        if (double.IsNaN(value))
            throw new GeoDataException(
                $"Row {r.Row}: column '{column}' is NaN: the cell is empty or not a number in invariant format (a decimal point as in '54.5', " +
                $"not a decimal comma as in '54,5'); every image needs a finite {what}.", r.Row, column);
        if (double.IsInfinity(value))
            throw new GeoDataException($"Row {r.Row}: column '{column}' is {(value > 0 ? "+" : "-")}infinity (a number too large for its type, such as '1e500'); every image needs a finite {what}.", r.Row, column);
    }

    private static string Degrees(double value) => value.ToString("0.#########", CultureInfo.InvariantCulture);
}
