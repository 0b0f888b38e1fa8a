using System.Globalization;
using System.Text.Json;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Sources;

/// <summary>The two fields of an fMoW image's JSON the pretraining needs: where (raw_location) and when (timestamp).</summary>
internal static class FmowMetadata
{
    public static (double Latitude, double Longitude, DateTime Timestamp) Read(string jsonPath, string imagePath, long row)
    {
        if (!File.Exists(jsonPath))
            throw new GeoDataException($"Image '{imagePath}' has no metadata file '{jsonPath}' beside it (fMoW keeps timestamp and raw_location there).",
                row, filePath: jsonPath);
        JsonDocument doc;
        try
        {
            using var stream = File.OpenRead(jsonPath);
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new GeoDataException($"Metadata file '{jsonPath}' is not valid JSON: {e.Message}", row, filePath: jsonPath, inner: e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new GeoDataException($"Metadata file '{jsonPath}' holds a JSON {doc.RootElement.ValueKind}, not an object.", row, filePath: jsonPath);
            var stamp = Text(doc.RootElement, "timestamp", jsonPath, row);
            // fMoW writes UTC with a Z; a stamp without a zone is taken as UTC too, one with an offset is converted.
            if (!DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                throw new GeoDataException($"Metadata file '{jsonPath}': timestamp '{stamp}' is not an ISO-8601 date and time (e.g. 2016-02-05T07:29:41Z).",
                    row, "timestamp", jsonPath);
            var wkt = Text(doc.RootElement, "raw_location", jsonPath, row);
            try
            {
                var (lat, lon) = WktPolygon.Centroid(wkt);
                return (lat, lon, time.UtcDateTime);
            }
            catch (FormatException e)
            {
                throw new GeoDataException($"Metadata file '{jsonPath}': raw_location '{Shorten(wkt)}' is unusable: {e.Message}.", row, "raw_location", jsonPath, e);
            }
        }
    }

    private static string Text(JsonElement root, string name, string jsonPath, long row)
    {
        if (!root.TryGetProperty(name, out var value))
            throw new GeoDataException($"Metadata file '{jsonPath}' has no '{name}' field.", row, name, jsonPath);
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            throw new GeoDataException($"Metadata file '{jsonPath}': '{name}' is " +
                (value.ValueKind == JsonValueKind.String ? "empty." : $"a JSON {value.ValueKind}, not text."), row, name, jsonPath);
        return value.GetString()!;
    }

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..117] + "...";
}
