using GeoSSL.Data.Records;

namespace GeoSSL.Data.Sources;

/// <summary>
/// Reads the fMoW-RGB folder layout (Christie et al., "Functional Map of the World", CVPR 2018):
/// <c>&lt;root&gt;/&lt;split&gt;/&lt;category&gt;/&lt;category&gt;_&lt;n&gt;/&lt;category&gt;_&lt;n&gt;_&lt;k&gt;_rgb.jpg</c>, each image with a
/// <c>_rgb.json</c> beside it. The <c>&lt;category&gt;_&lt;n&gt;</c> folder holds the images of one place on several dates,
/// so it is the location; the footprint polygon's centroid gives latitude/longitude and <c>timestamp</c> the date.
/// </summary>
internal static class FmowLayout
{
    /// <summary>fMoW's split folders, read by default when present.</summary>
    public static IReadOnlyList<string> KnownSplits { get; } = ["train", "val", "test", "seq"];

    private const string ImageSuffix = "_rgb.jpg";

    /// <summary>
    /// Every <c>*_rgb.jpg</c> image of the chosen splits and categories as records, ordered by path (ordinal), with
    /// <see cref="GeoImageRecord.Row"/> its index in that order. Other files (multispectral <c>_msrgb</c>/<c>_ms</c>
    /// images, stray files) are ignored. <see cref="GeoImageRecord.LocationId"/> is <c>split/category/category_n</c>:
    /// fMoW numbers instances per split and category, so <c>category_n</c> alone is not unique.
    /// Timestamps are UTC.
    /// </summary>
    /// <param name="root">The folder holding the split folders.</param>
    /// <param name="splits">Split folders to read; null reads those of <see cref="KnownSplits"/> that exist.</param>
    /// <param name="categories">Category folders to read; null reads all.</param>
    /// <exception cref="GeoDataException">
    /// The root, a requested split or category is missing, no image was found, or an image's JSON is missing or unusable
    /// (the message and <see cref="GeoDataException.FilePath"/> name the file).
    /// </exception>
    public static IReadOnlyList<GeoImageRecord> Read(string root, IEnumerable<string>? splits = null, IEnumerable<string>? categories = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        root = Path.GetFullPath(root);
        var splitFolders = SplitFolders(root, splits?.ToList());
        var wanted = categories?.ToHashSet(StringComparer.Ordinal);
        var images = new List<(string Path, string Location)>();
        var seenCategories = new HashSet<string>(StringComparer.Ordinal);
        // Enumerated lazily, folder by folder: an archive of a million images is never listed in one call.
        foreach (var split in splitFolders)
        foreach (var categoryDir in Directory.EnumerateDirectories(split))
        {
            string category = Path.GetFileName(categoryDir);
            if (wanted is not null && !wanted.Contains(category)) continue;
            seenCategories.Add(category);
            foreach (var instanceDir in Directory.EnumerateDirectories(categoryDir))
            {
                string location = $"{Path.GetFileName(split)}/{category}/{Path.GetFileName(instanceDir)}";
                foreach (var file in Directory.EnumerateFiles(instanceDir))
                    if (file.EndsWith(ImageSuffix, StringComparison.OrdinalIgnoreCase)) images.Add((file, location));
            }
        }
        if (wanted is not null && wanted.Except(seenCategories).ToList() is { Count: > 0 } absent)
            throw new GeoDataException($"No category folder {string.Join(", ", absent.Select(c => $"'{c}'"))} in the split(s) read under '{root}'.", filePath: root);
        if (images.Count == 0)
            throw new GeoDataException($"No fMoW images (<category>/<category>_<n>/*{ImageSuffix}) under '{root}' in split(s) " +
                $"{string.Join(", ", splitFolders.Select(Path.GetFileName))}.", filePath: root);

        // Sorted before reading metadata, so rows (and the first error met) do not depend on the file system's order.
        images.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var records = new List<GeoImageRecord>(images.Count);
        for (int row = 0; row < images.Count; row++)
        {
            var (path, location) = images[row];
            var (lat, lon, time) = FmowMetadata.Read(Path.ChangeExtension(path, ".json"), path, row);
            records.Add(new GeoImageRecord(row, path, location, lat, lon, time));
        }
        return records;
    }

    private static List<string> SplitFolders(string root, List<string>? splits)
    {
        if (!Directory.Exists(root)) throw new GeoDataException($"The fMoW root folder '{root}' does not exist.", filePath: root);
        if (splits is null)
        {
            var present = KnownSplits.Select(s => Path.Combine(root, s)).Where(Directory.Exists).ToList();
            if (present.Count == 0)
                throw new GeoDataException($"There are no fMoW split folders ({string.Join("/", KnownSplits)}) under '{root}'; " +
                    "point at the folder that holds them, or name the split folders to read.", filePath: root);
            return present;
        }
        if (splits.Count == 0) throw new ArgumentException("No split given; pass null to read every split present.", nameof(splits));
        var folders = new List<string>();
        foreach (var s in splits.Distinct(StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(s) || s.IndexOfAny(['/', '\\']) >= 0 || s is "." or "..")
                throw new ArgumentException($"'{s}' is not a split folder name.", nameof(splits));
            var folder = Path.Combine(root, s);
            if (!Directory.Exists(folder)) throw new GeoDataException($"There is no fMoW split folder '{s}' under '{root}'.", filePath: folder);
            folders.Add(folder);
        }
        return folders;
    }
}
