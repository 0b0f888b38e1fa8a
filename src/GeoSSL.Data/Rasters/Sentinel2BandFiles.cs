using System.Text.RegularExpressions;

namespace GeoSSL.Data.Rasters;

/// <summary>Sentinel-2 MSI band names and finding a folder's per-band files (names ending _B02.tif, _B8A.tif, ...).</summary>
internal static partial class Sentinel2BandFiles
{
    /// <summary>The 13 MSI bands in wavelength order (B8A sits between B08 and B09, as in ESA products).</summary>
    public static IReadOnlyList<string> AllBands { get; } = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"];

    /// <summary>Parses "B02,B03,B04,B08" (or "all") into band names, upper-cased; throws naming any unknown band.</summary>
    public static IReadOnlyList<string> ParseBands(string bands)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bands);
        if (bands.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return AllBands;
        var names = bands.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(b => b.ToUpperInvariant()).ToList();
        var unknown = names.Where(n => !AllBands.Contains(n)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Unknown Sentinel-2 band(s) {string.Join(", ", unknown)} in \"{bands}\"; expected names from {string.Join(",", AllBands)} or \"all\".", nameof(bands));
        if (names.Distinct().Count() != names.Count) throw new ArgumentException($"Band list \"{bands}\" names a band twice.", nameof(bands));
        return names;
    }

    /// <summary>Band name → file for every *_Bxx.tif / .tiff in <paramref name="folder"/> (not recursive).</summary>
    public static IReadOnlyDictionary<string, string> Find(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Sentinel-2 band folder '{Path.GetFullPath(folder)}' does not exist.");
        var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(folder).OrderBy(f => f, StringComparer.Ordinal))
        {
            var match = BandSuffix().Match(Path.GetFileName(file));
            if (!match.Success) continue;
            var band = match.Groups[1].Value.ToUpperInvariant();
            if (!files.TryAdd(band, file))
                throw new InvalidDataException($"Folder '{folder}' has two files for band {band}: '{Path.GetFileName(files[band])}' and '{Path.GetFileName(file)}'.");
        }
        return files;
    }

    [GeneratedRegex(@"_(B0[1-9]|B1[0-2]|B8A)\.tiff?$", RegexOptions.IgnoreCase)]
    private static partial Regex BandSuffix();
}
