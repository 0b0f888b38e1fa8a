using System.Globalization;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Manifests;

/// <summary>Parses manifest cells, failing with the file, row and column named so a bad cell in a million rows can be found.</summary>
internal static class ManifestCells
{
    public static GeoDataException Error(string file, long row, string column, string what) =>
        new($"Manifest '{file}', row {row}: column '{column}' {what}", row, column, file);

    public static double Number(string file, long row, string column, string text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        throw Error(file, row, column, text.Length == 0
            ? "is empty; every row needs a number."
            : $"holds '{text}', which is not a number (write it in invariant format, with a decimal point as in '54.5').");
    }

    public static DateTime? Date(string file, long row, string column, string text)
    {
        // The column was asked for, so an empty cell is an error rather than a silent "no date" (which would change the positives).
        if (string.IsNullOrWhiteSpace(text)) throw Error(file, row, column, "is empty; every row needs an acquisition date (ISO-8601, e.g. 2016-01-20).");
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)) return d;
        throw Error(file, row, column, $"holds '{text}', which is not a date (ISO-8601, e.g. 2016-01-20).");
    }

    public static GeoDataException MissingColumn(string file, string column, string role, IEnumerable<string> present) =>
        new($"Manifest '{file}' has no column '{column}' ({role}); its columns are: {string.Join(", ", present)}.", column: column, filePath: file);
}
