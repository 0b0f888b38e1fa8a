using GeoSSL.Data.Sources;
using GeoSSL.MLNet.Reading;

// In ML.NET's namespace, like ML.NET's own catalog extensions, so `mlContext.Data.` finds them without a using.
namespace Microsoft.ML;

/// <summary>Loading the fMoW-RGB folder layout on <c>mlContext.Data</c>.</summary>
public static class FmowCatalog
{
    /// <summary>
    /// The images of an fMoW-RGB folder tree (<c>root/split/category/category_n/category_n_k_rgb.jpg</c> with a
    /// <c>_rgb.json</c> beside each) as rows of <see cref="GeoImageRow"/>: ImagePath (absolute), LocationId, Latitude,
    /// Longitude, Timestamp, ordered by path. Ready for <c>mlContext.Transforms.GeoContrastivePretrain</c>.
    /// </summary>
    /// <param name="root">The folder holding the split folders (train, val, ...).</param>
    /// <param name="splits">Split folders to read; null reads every fMoW split present.</param>
    /// <param name="categories">Category folders to read (e.g. "airport"); null reads all.</param>
    /// <exception cref="GeoSSL.Data.Records.GeoDataException">Missing folders or unusable metadata, naming the file.</exception>
    public static IDataView LoadFmow(this DataOperationsCatalog catalog, string root, IEnumerable<string>? splits = null, IEnumerable<string>? categories = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        // Read in full here: errors surface at load time, not later inside Fit, and the rows are small.
        var rows = FmowLayout.Read(root, splits, categories).Select(GeoImageRow.From).ToList();
        return catalog.LoadFromEnumerable(rows);
    }

    /// <summary>One split of an fMoW-RGB folder tree; see the other overload.</summary>
    public static IDataView LoadFmow(this DataOperationsCatalog catalog, string root, string split)
        => catalog.LoadFmow(root, [split]);
}
