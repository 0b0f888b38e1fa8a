using System.Globalization;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Scenes;

/// <summary>One city row of the OSCD change manifest (City, Date1, Date2, Width, Height, Latitude, Longitude, ...).</summary>
internal sealed record OscdChangeCity(long Row, string City, DateTime Date1, DateTime Date2, int Width, int Height, double Latitude, double Longitude);

/// <summary>Reads oscd-change/manifest.csv; any malformed row is a <see cref="GeoDataException"/> naming the row and column.</summary>
internal static class OscdChangeManifest
{
    private static readonly string[] Required = ["City", "Date1", "Date2", "Width", "Height", "Latitude", "Longitude"];

    public static List<OscdChangeCity> Read(string path)
    {
        if (!File.Exists(path)) throw new GeoDataException($"OSCD change manifest '{path}' does not exist.", filePath: path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new GeoDataException($"OSCD change manifest '{path}' is empty.", filePath: path);
        var header = lines[0].Split(',').Select(h => h.Trim()).ToList();
        var missing = Required.Where(c => !header.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count > 0)
            throw new GeoDataException($"OSCD change manifest '{path}' lacks column(s) {string.Join(", ", missing)}; it has {lines[0]}.", filePath: path);
        int Col(string name) => header.FindIndex(h => h.Equals(name, StringComparison.OrdinalIgnoreCase));
        var cities = new List<OscdChangeCity>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            long row = i - 1; // 0-based data row, as elsewhere in the project
            var f = lines[i].Split(',').Select(v => v.Trim()).ToArray();
            if (f.Length < header.Count)
                throw new GeoDataException($"Row {row} of '{path}' has {f.Length} fields; the header has {header.Count}.", row, filePath: path);
            string Field(string name) => f[Col(name)];
            GeoDataException Bad(string column, string why) =>
                new($"Row {row} of '{path}': {column} '{Field(column)}' {why}", row, column, path);
            DateTime Date(string c) => DateTime.TryParseExact(Field(c), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d : throw Bad(c, "is not a date (yyyy-MM-dd).");
            int Size(string c) => int.TryParse(Field(c), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw Bad(c, "is not a positive whole number of pixels.");
            double Degrees(string c, double limit) =>
                double.TryParse(Field(c), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && Math.Abs(v) <= limit
                    ? v : throw Bad(c, $"is not a number of degrees within +-{limit}.");
            var city = Field("City");
            if (city.Length == 0 || city.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || city is "." or "..")
                throw Bad("City", "is not a folder name.");
            cities.Add(new OscdChangeCity(row, city, Date("Date1"), Date("Date2"), Size("Width"), Size("Height"),
                Degrees("Latitude", 90), Degrees("Longitude", 180)));
        }
        var twice = cities.GroupBy(c => c.City, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new GeoDataException($"City '{twice.Key}' appears twice in '{path}'.", twice.Last().Row, "City", path);
        return cities;
    }
}
