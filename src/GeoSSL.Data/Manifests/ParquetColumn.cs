using System.Globalization;
using GeoSSL.Data.Records;
using Parquet;
using Parquet.Schema;
using static GeoSSL.Data.Manifests.ParquetManifestReader;

namespace GeoSSL.Data.Manifests;

/// <summary>
/// Reads one column of one row group and converts it to what a record needs, accepting the types manifests are
/// written with in practice (numbers as double/float/integers or text; dates as timestamps, dates or text).
/// </summary>
internal static class ParquetColumn
{
    // Parquet.Net describes a text column read from a file as ReadOnlyMemory<char>, one built in code as string.
    private static bool IsText(Type t) => t == typeof(string) || t == typeof(ReadOnlyMemory<char>);

    public static string[] Texts(ParquetRowGroupReader group, DataField field, int n, string file, long firstRow)
    {
        var t = field.ClrType;
        if (IsText(t))
        {
            var values = new string?[n];
            Sync(group.ReadAsync(field, values.AsMemory()));
            var texts = new string[n];
            for (int i = 0; i < n; i++) texts[i] = values[i] ?? "";
            return texts;
        }
        if (t == typeof(int)) return Convert<int, string>(group, field, n, v => v.ToString(CultureInfo.InvariantCulture), "");
        if (t == typeof(long)) return Convert<long, string>(group, field, n, v => v.ToString(CultureInfo.InvariantCulture), "");
        throw Unsupported(file, field, "text or an integer");
    }

    public static double[] Numbers(ParquetRowGroupReader group, DataField field, int n, string file, long firstRow)
    {
        var t = field.ClrType;
        double[] values;
        if (t == typeof(double)) values = Convert<double, double>(group, field, n, v => v, double.NaN);
        else if (t == typeof(float)) values = Convert<float, double>(group, field, n, v => v, double.NaN);
        else if (t == typeof(int)) values = Convert<int, double>(group, field, n, v => v, double.NaN);
        else if (t == typeof(long)) values = Convert<long, double>(group, field, n, v => v, double.NaN);
        else if (t == typeof(decimal)) values = Convert<decimal, double>(group, field, n, v => (double)v, double.NaN);
        else if (IsText(t))
        {
            var texts = Texts(group, field, n, file, firstRow);
            values = new double[n];
            for (int i = 0; i < n; i++) values[i] = ManifestCells.Number(file, firstRow + i, field.Name, texts[i]);
            return values;
        }
        else throw Unsupported(file, field, "a number");
        // NaN marks a null cell here: a real NaN in a coordinate is as unusable, and the message says where it is.
        for (int i = 0; i < n; i++)
            if (double.IsNaN(values[i])) throw ManifestCells.Error(file, firstRow + i, field.Name, "is empty (null or NaN); every row needs a number.");
        return values;
    }

    public static DateTime?[] Dates(ParquetRowGroupReader group, DataField field, int n, string file, long firstRow)
    {
        var t = field.ClrType;
        DateTime?[] values;
        if (t == typeof(DateTime)) values = Convert<DateTime, DateTime?>(group, field, n, v => v, null);
        else if (t == typeof(DateTimeOffset)) values = Convert<DateTimeOffset, DateTime?>(group, field, n, v => v.UtcDateTime, null);
        else if (t == typeof(DateOnly)) values = Convert<DateOnly, DateTime?>(group, field, n, v => v.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), null);
        else if (IsText(t))
        {
            var texts = Texts(group, field, n, file, firstRow);
            values = new DateTime?[n];
            for (int i = 0; i < n; i++) values[i] = ManifestCells.Date(file, firstRow + i, field.Name, texts[i]);
            return values;
        }
        else throw Unsupported(file, field, "a date/time or ISO-8601 text");
        for (int i = 0; i < n; i++)
            if (values[i] is null) throw ManifestCells.Error(file, firstRow + i, field.Name, "is empty (null); every row needs an acquisition date.");
        return values;
    }

    /// <summary>Reads a value column (nullable or not) and maps each value; nulls become <paramref name="whenNull"/>.</summary>
    private static TOut[] Convert<TIn, TOut>(ParquetRowGroupReader group, DataField field, int n, Func<TIn, TOut> map, TOut whenNull) where TIn : struct
    {
        var result = new TOut[n];
        if (field.IsNullable)
        {
            var values = new TIn?[n];
            Sync(group.ReadAsync(field, values.AsMemory()));
            for (int i = 0; i < n; i++) result[i] = values[i] is { } v ? map(v) : whenNull;
        }
        else
        {
            var values = new TIn[n];
            Sync(group.ReadAsync(field, values.AsMemory()));
            for (int i = 0; i < n; i++) result[i] = map(values[i]);
        }
        return result;
    }

    private static GeoDataException Unsupported(string file, DataField field, string expected) =>
        new($"Manifest '{file}': column '{field.Name}' is of type {field.ClrType.Name}, but it must hold {expected}.", column: field.Name, filePath: file);
}
