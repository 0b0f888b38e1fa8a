using GeoSSL.Data.Records;

namespace GeoSSL.Data.Manifests;

/// <summary>
/// Streams the rows of a manifest (CSV, or Parquet by its extension) as <see cref="GeoImageRecord"/>s, one at a time:
/// a CSV line by line, a Parquet file one row group at a time, so a manifest of millions of rows is never held whole.
/// Only metadata is read; images are decoded later (e.g. by a <see cref="Streaming.PrefetchingBatchReader"/>).
/// </summary>
internal static class ManifestReader
{
    /// <summary>Extensions read as Parquet; any other is read as CSV (comma-separated, header first, RFC 4180 quotes).</summary>
    public static readonly IReadOnlyList<string> ParquetExtensions = new[] { ".parquet", ".pq" };

    /// <summary>
    /// The manifest's rows, lazily, in file order; <see cref="GeoImageRecord.Row"/> is the 0-based data row. The file is opened when
    /// enumeration starts and closed when it ends or the enumerator is disposed.
    /// </summary>
    /// <exception cref="GeoDataException">Missing file or column, or a cell that is not a number/date; the message names file, row and column.
    /// Thrown during enumeration, when the bad row is reached.</exception>
    public static IEnumerable<GeoImageRecord> Read(string path, ManifestColumns? columns = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        columns ??= new ManifestColumns();
        return IsParquet(path) ? ParquetManifestReader.Read(path, columns) : CsvManifestReader.Read(path, columns);
    }

    public static bool IsParquet(string path) =>
        ParquetExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    internal static void RequireFile(string path)
    {
        if (!File.Exists(path)) throw new GeoDataException($"Manifest '{path}' does not exist.", filePath: path);
    }
}
