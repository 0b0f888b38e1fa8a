using GeoSSL.Data.Manifests;
using GeoSSL.MLNet.Reading;

// In ML.NET's namespace, like ML.NET's own catalog extensions, so `mlContext.Data.` finds them without a using.
namespace Microsoft.ML;

/// <summary>Loading manifests of geo-tagged image files (CSV or Parquet) on <c>mlContext.Data</c>.</summary>
public static class GeoManifestCatalog
{
    /// <summary>
    /// A manifest as rows of <see cref="GeoImageRow"/> (ImagePath, LocationId, Latitude, Longitude, Timestamp), read lazily:
    /// CSV line by line, Parquet one row group at a time, each time a cursor runs over the view, so a manifest of millions of
    /// rows is never held as text. With <c>GeoContrastivePretrain</c>'s <c>StreamImages</c> the images are not held either.
    /// </summary>
    /// <param name="path">A .csv file, or .parquet / .pq.</param>
    /// <param name="columns">The manifest's column names and image folder (defaults: ImagePath, LocationId, Latitude, Longitude, no dates).</param>
    /// <exception cref="GeoSSL.Data.Records.GeoDataException">When a cursor meets a missing column or a bad cell, naming the file, row and column.</exception>
    public static IDataView LoadGeoManifest(this DataOperationsCatalog catalog, string path, ManifestColumns? columns = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (!File.Exists(path)) throw new FileNotFoundException($"Manifest '{path}' does not exist.", path);
        return catalog.LoadFromEnumerable(new Rows(path, columns));
    }

    // Re-enumerable: every cursor reads the file again from the start.
    private sealed class Rows(string path, ManifestColumns? columns) : IEnumerable<GeoImageRow>
    {
        public IEnumerator<GeoImageRow> GetEnumerator() => ManifestReader.Read(path, columns).Select(GeoImageRow.From).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
