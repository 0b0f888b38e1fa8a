using System.Globalization;
using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Options;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Reading;

/// <summary>Reads the training rows out of an IDataView into records (and, for image columns, pixels).</summary>
internal static class GeoRecordReader
{
    public static void ValidateSchema(DataViewSchema schema, GeoContrastivePretrainOptions o)
    {
        InputColumns.ImageKind(schema, o.ImageColumnName, nameof(o.ImageColumnName));
        InputColumns.RequireNumber(schema, o.LatitudeColumnName, nameof(o.LatitudeColumnName));
        InputColumns.RequireNumber(schema, o.LongitudeColumnName, nameof(o.LongitudeColumnName));
        InputColumns.RequireKey(schema, o.LocationColumnName, nameof(o.LocationColumnName));
        if (o.TimestampColumnName is not null) InputColumns.RequireTime(schema, o.TimestampColumnName, nameof(o.TimestampColumnName));
    }

    /// <summary>Reads every row. For an image column, pixels are converted to planar RGB at <paramref name="size"/> while reading.</summary>
    public static (List<GeoImageRecord> Records, DecodedImageSet? Images) Read(IDataView data, GeoContrastivePretrainOptions o, int size)
    {
        ValidateSchema(data.Schema, o);
        var kind = InputColumns.ImageKind(data.Schema, o.ImageColumnName, nameof(o.ImageColumnName));
        var cols = new List<DataViewSchema.Column>
        {
            data.Schema[o.ImageColumnName], data.Schema[o.LatitudeColumnName], data.Schema[o.LongitudeColumnName], data.Schema[o.LocationColumnName],
        };
        if (o.TimestampColumnName is not null) cols.Add(data.Schema[o.TimestampColumnName]);
        var records = new List<GeoImageRecord>();
        var pixels = new List<byte[]>();
        using var cursor = data.GetRowCursor(cols);
        var lat = NumberGetter(cursor, data.Schema[o.LatitudeColumnName]);
        var lon = NumberGetter(cursor, data.Schema[o.LongitudeColumnName]);
        var loc = TextGetter(cursor, data.Schema[o.LocationColumnName]);
        var time = o.TimestampColumnName is null ? null : TimeGetter(cursor, data.Schema[o.TimestampColumnName], o.TimestampColumnName);
        ValueGetter<ReadOnlyMemory<char>>? pathGetter = kind == ImageColumnKind.Path ? cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema[o.ImageColumnName]) : null;
        ValueGetter<MLImage>? imageGetter = kind == ImageColumnKind.Image ? cursor.GetGetter<MLImage>(data.Schema[o.ImageColumnName]) : null;
        string folder = o.ImageFolder ?? "";
        ReadOnlyMemory<char> text = default;
        MLImage image = null!;
        long row = 0;
        while (cursor.MoveNext())
        {
            string path;
            if (pathGetter is not null)
            {
                pathGetter(ref text);
                path = text.ToString();
                if (path.Length > 0 && !Path.IsPathRooted(path)) path = Path.Combine(folder, path);
            }
            else
            {
                imageGetter!(ref image);
                if (image is null) throw new GeoDataException($"Row {row}: column '{o.ImageColumnName}' holds no image (the file could not be loaded).", row, o.ImageColumnName);
                var planar = new byte[ImageDecoder.Channels * size * size];
                ImageDecoder.FromInterleaved(image.Pixels, image.Width, image.Height, image.PixelFormat == MLPixelFormat.Bgra32, size, size, planar);
                pixels.Add(planar);
                path = image.Tag ?? $"row {row}";
            }
            records.Add(new GeoImageRecord(row, path, loc(row, o.LocationColumnName), lat(), lon(), time?.Invoke(row)));
            row++;
        }
        DecodedImageSet? images = kind == ImageColumnKind.Image
            ? DecodedImageSet.Decode(pixels.Count, size, size, (i, mem) => pixels[i].CopyTo(mem))
            : null;
        return (records, images);
    }

    private static Func<double> NumberGetter(DataViewRowCursor cursor, DataViewSchema.Column col)
    {
        if (col.Type == NumberDataViewType.Double)
        {
            var g = cursor.GetGetter<double>(col);
            return () => { double v = 0; g(ref v); return v; };
        }
        var f = cursor.GetGetter<float>(col);
        return () => { float v = 0; f(ref v); return v; };
    }

    private static Func<long, string, string> TextGetter(DataViewRowCursor cursor, DataViewSchema.Column col)
    {
        if (col.Type is TextDataViewType)
        {
            var g = cursor.GetGetter<ReadOnlyMemory<char>>(col);
            return (_, _) => { ReadOnlyMemory<char> v = default; g(ref v); return v.ToString(); };
        }
        // numbers and keys: let ML.NET convert to text
        var any = cursor.GetType().GetMethod(nameof(DataViewRowCursor.GetGetter))!.MakeGenericMethod(col.Type.RawType);
        var getter = (Delegate)any.Invoke(cursor, new object[] { col })!;
        return (_, _) =>
        {
            var args = new object?[] { Activator.CreateInstance(col.Type.RawType) };
            getter.DynamicInvoke(args);
            return Convert.ToString(args[0], CultureInfo.InvariantCulture) ?? "";
        };
    }

    private static Func<long, DateTime?> TimeGetter(DataViewRowCursor cursor, DataViewSchema.Column col, string name)
    {
        if (col.Type is DateTimeDataViewType)
        {
            var g = cursor.GetGetter<DateTime>(col);
            return _ => { DateTime v = default; g(ref v); return v; };
        }
        if (col.Type is DateTimeOffsetDataViewType)
        {
            var g = cursor.GetGetter<DateTimeOffset>(col);
            return _ => { DateTimeOffset v = default; g(ref v); return v.UtcDateTime; };
        }
        var t = cursor.GetGetter<ReadOnlyMemory<char>>(col);
        return row =>
        {
            ReadOnlyMemory<char> v = default;
            t(ref v);
            if (v.IsEmpty) return null;
            if (DateTime.TryParse(v.Span, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)) return d;
            throw new GeoDataException($"Row {row}: column '{name}' holds '{v}', which is not a date.", row, name);
        };
    }
}
