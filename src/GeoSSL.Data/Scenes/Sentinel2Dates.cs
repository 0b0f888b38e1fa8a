using System.Globalization;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Scenes;

/// <summary>Reads an OSCD dates.txt: lines "date_1: 20161130", "date_2: 20170829" (date_k belongs to folder imgs_k).</summary>
internal static class Sentinel2Dates
{
    public static IReadOnlyList<DateTime> Read(string path)
    {
        if (!File.Exists(path)) throw new GeoDataException($"Dates file '{path}' does not exist (expected lines like \"date_1: 20161130\").", filePath: path);
        var dates = new SortedDictionary<int, DateTime>();
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var parts = lines[i].Split(':', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !parts[0].StartsWith("date_", StringComparison.OrdinalIgnoreCase)
                || !int.TryParse(parts[0].AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1
                || !DateTime.TryParseExact(parts[1], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw new GeoDataException($"Line {i + 1} of '{path}' is \"{lines[i]}\"; expected \"date_<k>: yyyyMMdd\".", i, filePath: path);
            if (!dates.TryAdd(k, date)) throw new GeoDataException($"Line {i + 1} of '{path}' repeats date_{k}.", i, filePath: path);
        }
        if (dates.Count == 0 || dates.Keys.Last() != dates.Count)
            throw new GeoDataException($"'{path}' should list date_1 .. date_N without gaps; it has {string.Join(", ", dates.Keys.Select(k => "date_" + k))}.", filePath: path);
        return dates.Values.ToList();
    }
}
