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
    /// <param name="imageColumnName">The manifest's image path column.</param>
    /// <param name="locationColumnName">The column grouping the images of one place over time.</param>
    /// <param name="latitudeColumnName">Latitude in WGS84 degrees.</param>
    /// <param name="longitudeColumnName">Longitude in WGS84 degrees.</param>
    /// <param name="timestampColumnName">Optional acquisition time (a date/time or ISO-8601 text); null reads no dates.</param>
    /// <param name="imageFolder">Folder relative image paths are resolved against; null: the manifest's own folder.</param>
    /// <exception cref="GeoSSL.Data.Records.GeoDataException">When a cursor meets a missing column or a bad cell, naming the file, row and column.</exception>
    public static IDataView LoadGeoManifest(this DataOperationsCatalog catalog, string path, string imageColumnName = "ImagePath",
        string locationColumnName = "LocationId", string latitudeColumnName = "Latitude", string longitudeColumnName = "Longitude",
        string? timestampColumnName = null, string? imageFolder = null)
        => catalog.LoadGeoManifest(path, new ManifestColumns
        {
            ImagePath = imageColumnName, LocationId = locationColumnName, Latitude = latitudeColumnName, Longitude = longitudeColumnName,
            Timestamp = timestampColumnName, ImageFolder = imageFolder ?? Path.GetDirectoryName(Path.GetFullPath(path)),
        });

    /// <summary>The same, with the columns as the data layer describes them (null columns: as written, paths unresolved).</summary>
    internal static IDataView LoadGeoManifest(this DataOperationsCatalog catalog, string path, ManifestColumns? columns)
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
