using System.Globalization;
using GeoSSL.Data.Records;
using Parquet;
using Parquet.Schema;

namespace GeoSSL.Data.Manifests;

/// <summary>
/// Reads a Parquet manifest one row group at a time: only the five needed columns of the current group are in memory,
/// so the first rows of a million-row file come back after reading one group, not the file.
/// </summary>
internal static class ParquetManifestReader
{
    public static IEnumerable<GeoImageRecord> Read(string path, ManifestColumns c)
    {
        ManifestReader.RequireFile(path);
        using var stream = File.OpenRead(path);
        ParquetReader reader;
        try { reader = Sync(ParquetReader.CreateAsync(stream, leaveStreamOpen: true)); }
        catch (Exception e) when (e is not GeoDataException)
        {
            throw new GeoDataException($"Manifest '{path}' is not a readable Parquet file: {e.Message}", filePath: path, inner: e);
        }
        try
        {
            var fields = reader.Schema.DataFields;
            DataField Field(string column, string role) =>
                fields.FirstOrDefault(f => f.Name == column) ?? throw ManifestCells.MissingColumn(path, column, role, fields.Select(f => f.Name));
            var image = Field(c.ImagePath, "image path");
            var location = Field(c.LocationId, "location id");
            var lat = Field(c.Latitude, "latitude");
            var lon = Field(c.Longitude, "longitude");
            var time = c.Timestamp is null ? null : Field(c.Timestamp, "timestamp");
            long firstRow = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                // Columns of this group only; the previous group's arrays are garbage once its rows are yielded.
                string[] paths, locations;
                double[] lats, lons;
                DateTime?[]? times;
                using (var group = reader.OpenRowGroupReader(g))
                {
                    int n = checked((int)group.RowCount);
                    paths = ParquetColumn.Texts(group, image, n, path, firstRow);
                    locations = ParquetColumn.Texts(group, location, n, path, firstRow);
                    lats = ParquetColumn.Numbers(group, lat, n, path, firstRow);
                    lons = ParquetColumn.Numbers(group, lon, n, path, firstRow);
                    times = time is null ? null : ParquetColumn.Dates(group, time, n, path, firstRow);
                }
                for (int i = 0; i < paths.Length; i++)
                    yield return new GeoImageRecord(firstRow + i, c.Resolve(paths[i]), locations[i], lats[i], lons[i], times?[i]);
                firstRow += paths.Length;
            }
        }
        finally { Sync(reader.DisposeAsync()); } // only async disposal exists
    }

    // The manifest API is synchronous (an IEnumerable feeding synchronous training code); Parquet.Net's is async only.
    // Waiting here is safe: the library has no synchronisation context to deadlock on.
    internal static T Sync<T>(Task<T> task) => task.GetAwaiter().GetResult();
    internal static T Sync<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();
    internal static void Sync(Task task) => task.GetAwaiter().GetResult();
    internal static void Sync(ValueTask task) => task.AsTask().GetAwaiter().GetResult();
}
