using System.Globalization;
using System.Text;
using GeoSSL.Data.Records;
using Parquet;
using Parquet.Schema;
using static GeoSSL.Data.Manifests.ParquetManifestReader;

namespace GeoSSL.Data.Manifests;

/// <summary>
/// Writes records as a manifest that <see cref="ManifestReader"/> reads back (CSV, or Parquet by extension). Streams
/// its input: a Parquet file is written one row group at a time, so synthetic manifests of millions of rows can be made.
/// Image paths are written as given (write them relative to the folder the reader will resolve them against).
/// </summary>
internal static class ManifestWriter
{
    /// <summary>Rows per Parquet row group by default: small enough that reading the first rows is cheap, large enough to compress well.</summary>
    public const int DefaultRowGroupSize = 50_000;

    /// <summary>Writes <paramref name="records"/> to <paramref name="path"/>; the timestamp column is written when <see cref="ManifestColumns.Timestamp"/> is set.</summary>
    /// <returns>The number of rows written.</returns>
    public static long Write(string path, IEnumerable<GeoImageRecord> records, ManifestColumns? columns = null, int rowGroupSize = DefaultRowGroupSize)
    {
        columns ??= new ManifestColumns();
        return ManifestReader.IsParquet(path) ? WriteParquet(path, records, columns, rowGroupSize) : WriteCsv(path, records, columns);
    }

    private static long WriteCsv(string path, IEnumerable<GeoImageRecord> records, ManifestColumns c)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        var header = new List<string> { c.ImagePath, c.LocationId, c.Latitude, c.Longitude };
        if (c.Timestamp is not null) header.Add(c.Timestamp);
        w.WriteLine(string.Join(',', header.Select(CsvManifestReader.Quote)));
        long n = 0;
        foreach (var r in records)
        {
            // "R" round-trips doubles exactly, so a written and re-read manifest gives the same geo clusters.
            w.Write(CsvManifestReader.Quote(r.ImagePath)); w.Write(',');
            w.Write(CsvManifestReader.Quote(r.LocationId)); w.Write(',');
            w.Write(r.Latitude.ToString("R", CultureInfo.InvariantCulture)); w.Write(',');
            w.Write(r.Longitude.ToString("R", CultureInfo.InvariantCulture));
            if (c.Timestamp is not null) { w.Write(','); w.Write(r.Timestamp?.ToString("o", CultureInfo.InvariantCulture) ?? ""); }
            w.WriteLine();
            n++;
        }
        return n;
    }

    private static long WriteParquet(string path, IEnumerable<GeoImageRecord> records, ManifestColumns c, int rowGroupSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        var image = new DataField(c.ImagePath, typeof(string), isNullable: false);
        var location = new DataField(c.LocationId, typeof(string), isNullable: false);
        var lat = new DataField(c.Latitude, typeof(double), isNullable: false);
        var lon = new DataField(c.Longitude, typeof(double), isNullable: false);
        var time = c.Timestamp is null ? null : new DataField(c.Timestamp, typeof(DateTime), isNullable: true);
        var fields = new List<Field> { image, location, lat, lon };
        if (time is not null) fields.Add(time);
        using var stream = File.Create(path);
        var writer = Sync(ParquetWriter.CreateAsync(new ParquetSchema(fields), stream));
        long n = 0;
        try
        {
            foreach (var chunk in records.Chunk(rowGroupSize))
            {
                using var group = writer.CreateRowGroup();
                Sync(group.WriteAsync(image, chunk.Select(r => r.ImagePath).ToArray(), null));
                Sync(group.WriteAsync(location, chunk.Select(r => r.LocationId).ToArray(), null));
                Sync(group.WriteAsync<double>(lat, chunk.Select(r => r.Latitude).ToArray(), null));
                Sync(group.WriteAsync<double>(lon, chunk.Select(r => r.Longitude).ToArray(), null));
                if (time is not null) Sync(group.WriteAsync<DateTime>(time, chunk.Select(r => r.Timestamp).ToArray(), null));
                n += chunk.Length;
            }
        }
        finally { Sync(writer.DisposeAsync()); }
        return n;
    }
}
