using System.Globalization;
using GeoSSL.Data.Images;
using GeoSSL.Data.Input;
using GeoSSL.Data.Records;
using GeoSSL.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Reading;

/// <summary>Reads the training rows out of an IDataView into records (and, for image columns, pixels).</summary>
internal static class GeoRecordReader
{
    public static void ValidateSchema(DataViewSchema schema, GeoContrastivePretrainEstimator.Options o)
    {
        InputColumns.ImageKind(schema, o.ImageColumnName, nameof(o.ImageColumnName));
        InputColumns.RequireNumber(schema, o.LatitudeColumnName, nameof(o.LatitudeColumnName));
        InputColumns.RequireNumber(schema, o.LongitudeColumnName, nameof(o.LongitudeColumnName));
        InputColumns.RequireKey(schema, o.LocationColumnName, nameof(o.LocationColumnName));
        if (o.TimestampColumnName is not null) InputColumns.RequireTime(schema, o.TimestampColumnName, nameof(o.TimestampColumnName));
    }

    /// <summary>
    /// Reads every row. For an image column, pixels are converted to planar RGB at <paramref name="size"/> while reading; a tensor
    /// column's samples are copied as they are (float32) after checking they are finite. Paths are decoded later.
    /// </summary>
    /// <param name="input">What the encoder takes (for tensor columns: channel count, size and band names in messages).</param>
    public static (List<GeoImageRecord> Records, DecodedImageSet? Images) Read(IDataView data, GeoContrastivePretrainEstimator.Options o, int size, ImageInputSpec input)
    {
        ValidateSchema(data.Schema, o);
        CheckTextFile(data, o);
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
        ValueGetter<VBuffer<float>>? tensorGetter = kind == ImageColumnKind.Tensor ? cursor.GetGetter<VBuffer<float>>(data.Schema[o.ImageColumnName]) : null;
        VBuffer<float> tensor = default;
        string folder = o.ImageFolder ?? "";
        ReadOnlyMemory<char> text = default;
        MLImage image = null!;
        long row = 0;
        while (cursor.MoveNext())
        {
            string path;
            if (tensorGetter is not null)
            {
                tensorGetter(ref tensor);
                pixels.Add(TensorSamples.ToBytes(tensor, row, o.ImageColumnName, input));
                path = $"row {row}";
            }
            else if (pathGetter is not null)
            {
                pathGetter(ref text);
                path = text.ToString();
                if (path.Length > 0 && !Path.IsPathRooted(path)) path = Path.Combine(folder, path);
            }
            else
            {
                try { imageGetter!(ref image); }
                catch (Exception e) when (e is not GeoDataException)
                {
                    // The image came from an upstream transform (LoadImages); its own message names the file when it has one.
                    throw new GeoDataException($"Row {row}: column '{o.ImageColumnName}' could not be loaded: {Innermost(e).Message}", row, o.ImageColumnName, inner: e);
                }
                if (image is null) throw new GeoDataException($"Row {row}: column '{o.ImageColumnName}' holds no image (the file could not be loaded).", row, o.ImageColumnName);
                var planar = new byte[ImageDecoder.Channels * size * size];
                ImageDecoder.FromInterleaved(image.Pixels, image.Width, image.Height, image.PixelFormat == MLPixelFormat.Bgra32, size, size, planar);
                pixels.Add(planar);
                path = image.Tag ?? $"row {row}";
            }
            records.Add(new GeoImageRecord(row, path, loc(row, o.LocationColumnName), lat(), lon(), time?.Invoke(row)));
            row++;
        }
        DecodedImageSet? images = kind switch
        {
            ImageColumnKind.Image => DecodedImageSet.Decode(pixels.Count, size, size, (i, mem) => pixels[i].CopyTo(mem)),
            ImageColumnKind.Tensor => DecodedImageSet.Decode(pixels.Count, input.Height, input.Width, (i, mem) => pixels[i].CopyTo(mem),
                channels: input.Channels, bytesPerSample: sizeof(float)),
            _ => null,
        };
        return (records, images);
    }

    /// <summary>For a manifest loaded with LoadFromTextFile: the checks only its file can answer (see <see cref="TextManifestCheck"/>).</summary>
    private static void CheckTextFile(IDataView data, GeoContrastivePretrainEstimator.Options o)
    {
        if (TextFileSource.Of(data) is not { } source) return;
        var columns = new List<(string, string)>
        {
            (o.ImageColumnName, nameof(o.ImageColumnName)), (o.LocationColumnName, nameof(o.LocationColumnName)),
            (o.LatitudeColumnName, nameof(o.LatitudeColumnName)), (o.LongitudeColumnName, nameof(o.LongitudeColumnName)),
        };
        if (o.TimestampColumnName is not null) columns.Add((o.TimestampColumnName, nameof(o.TimestampColumnName)));
        TextManifestCheck.CheckHeader(source, columns);
        TextManifestCheck.CheckRows(source, data, new[] { o.LatitudeColumnName, o.LongitudeColumnName });
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

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
            // An empty date would quietly turn temporal positives off for the row: the column was asked for, so it must be filled.
            if (v.Span.IsWhiteSpace())
                throw new GeoDataException($"Row {row}: column '{name}' (TimestampColumnName) is empty; every row needs an acquisition date " +
                    "(ISO-8601, e.g. 2016-01-20), or set TimestampColumnName to null to train without dates.", row, name);
            if (DateTime.TryParse(v.Span, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)) return d;
            // A number where a date belongs: the usual cause is a row whose cells moved one to the right.
            string hint = double.TryParse(v.Span, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? " It is a number: the row probably has a field too many (a decimal comma as in '54,5' in a comma-separated file, " +
                  "or a separator inside an unquoted cell), which shifts its cells."
                : "";
            throw new GeoDataException($"Row {row}: column '{name}' holds '{v}', which is not a date.{hint}", row, name);
        };
    }
}
