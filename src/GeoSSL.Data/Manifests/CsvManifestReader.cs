using System.Text;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Manifests;

/// <summary>Reads a comma-separated manifest line by line (header first), so only one row is in memory at a time.</summary>
internal static class CsvManifestReader
{
    public static IEnumerable<GeoImageRecord> Read(string path, ManifestColumns c)
    {
        ManifestReader.RequireFile(path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var header = reader.ReadLine() ?? throw new GeoDataException($"Manifest '{path}' is empty: it needs a header line.", filePath: path);
        var names = Split(header, path, -1);
        int Index(string column, string role)
        {
            int i = names.IndexOf(column);
            return i >= 0 ? i : throw ManifestCells.MissingColumn(path, column, role, names);
        }
        int image = Index(c.ImagePath, "image path"), location = Index(c.LocationId, "location id");
        int lat = Index(c.Latitude, "latitude"), lon = Index(c.Longitude, "longitude");
        int time = c.Timestamp is null ? -1 : Index(c.Timestamp, "timestamp");
        long row = 0;
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            if (line.Length == 0) continue; // a trailing newline is not a row
            var f = Split(line, path, row);
            if (f.Count != names.Count)
                throw new GeoDataException($"Manifest '{path}', row {row}: {f.Count} fields where the header has {names.Count} " +
                    "(a separator inside an unquoted cell, or a decimal comma?).", row, filePath: path);
            yield return new GeoImageRecord(row, c.Resolve(f[image]), f[location],
                ManifestCells.Number(path, row, c.Latitude, f[lat]), ManifestCells.Number(path, row, c.Longitude, f[lon]),
                time < 0 ? null : ManifestCells.Date(path, row, c.Timestamp!, f[time]));
            row++;
        }
    }

    /// <summary>Splits one line on commas, honouring double-quoted fields ("" is a quote). Rows may not span lines.</summary>
    internal static List<string> Split(string line, string path, long row)
    {
        var fields = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch != '"') cell.Append(ch);
                else if (i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else quoted = false;
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(cell.ToString()); cell.Clear(); }
            else if (ch != '\r') cell.Append(ch);
        }
        if (quoted)
            throw new GeoDataException($"Manifest '{path}', {(row < 0 ? "header" : $"row {row}")}: a quoted cell is not closed on its line.", row < 0 ? null : row, filePath: path);
        fields.Add(cell.ToString());
        return fields;
    }

    /// <summary>Quotes a cell when it holds a comma, quote or line break.</summary>
    internal static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"") + "\"";
}
