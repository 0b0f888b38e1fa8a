using System.Globalization;
using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Reading;

/// <summary>Images and class labels read out of an IDataView, labels numbered in ordinal order of their names.</summary>
internal sealed record LabelledImages(DecodedImageSet Images, int[] Labels, string[] ClassNames);

/// <summary>Reads an image column (paths or LoadImages images) and a label column (text, number or key) for evaluation.</summary>
internal static class LabelledImageReader
{
    public static LabelledImages Read(IDataView data, string imageColumn, string? imageFolder, string labelColumn, int size, string what)
    {
        var kind = InputColumns.ImageKind(data.Schema, imageColumn, what + " image column");
        var labelCol = data.Schema.GetColumnOrNull(labelColumn)
            ?? throw new ArgumentException($"Column '{labelColumn}' ({what} label column) is not in the input schema.", nameof(labelColumn));
        var image = data.Schema[imageColumn];
        var paths = new List<string>();
        var pixels = new List<byte[]>();
        var names = new List<string>();
        var label = LabelText(data.Schema, labelCol);
        using (var cursor = data.GetRowCursor(new[] { image, labelCol }))
        {
            var getLabel = label(cursor);
            ValueGetter<ReadOnlyMemory<char>>? path = kind == ImageColumnKind.Path ? cursor.GetGetter<ReadOnlyMemory<char>>(image) : null;
            ValueGetter<MLImage>? img = kind == ImageColumnKind.Image ? cursor.GetGetter<MLImage>(image) : null;
            ReadOnlyMemory<char> text = default;
            MLImage value = null!;
            long row = 0;
            while (cursor.MoveNext())
            {
                if (path is not null)
                {
                    path(ref text);
                    string p = text.ToString();
                    paths.Add(p.Length > 0 && !Path.IsPathRooted(p) ? Path.Combine(imageFolder ?? "", p) : p);
                }
                else
                {
                    img!(ref value);
                    if (value is null) throw new GeoDataException($"Row {row}: column '{imageColumn}' holds no image (the file could not be loaded).", row, imageColumn);
                    var planar = new byte[ImageDecoder.Channels * size * size];
                    ImageDecoder.FromInterleaved(value.Pixels, value.Width, value.Height, value.PixelFormat == MLPixelFormat.Bgra32, size, size, planar);
                    pixels.Add(planar);
                }
                names.Add(getLabel());
                row++;
            }
        }
        if (names.Count < 2) throw new ArgumentException($"The {what} data has {names.Count} rows; at least two are needed.");
        var images = kind == ImageColumnKind.Path
            ? DecodedImageSet.FromFiles(paths, size, size, Enumerable.Range(0, paths.Count).Select(i => (long)i).ToList())
            : DecodedImageSet.Decode(pixels.Count, size, size, (i, mem) => pixels[i].CopyTo(mem));
        var classes = names.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var index = classes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        return new LabelledImages(images, names.Select(n => index[n]).ToArray(), classes);
    }

    /// <summary>A label as text: key columns through their key values when present, numbers and text as written.</summary>
    private static Func<DataViewRowCursor, Func<string>> LabelText(DataViewSchema schema, DataViewSchema.Column col)
    {
        if (col.Type is TextDataViewType)
            return cursor => { var g = cursor.GetGetter<ReadOnlyMemory<char>>(col); return () => { ReadOnlyMemory<char> v = default; g(ref v); return v.ToString(); }; };
        if (col.Type is KeyDataViewType && col.Type.RawType == typeof(uint))
        {
            VBuffer<ReadOnlyMemory<char>> keyNames = default;
            bool hasNames = col.Annotations.Schema.GetColumnOrNull("KeyValues") is not null;
            if (hasNames) col.GetKeyValues(ref keyNames);
            var values = hasNames ? keyNames.DenseValues().Select(v => v.ToString()).ToArray() : null;
            return cursor =>
            {
                var g = cursor.GetGetter<uint>(col);
                return () => { uint k = 0; g(ref k); return k == 0 ? "" : values is not null ? values[k - 1] : k.ToString(CultureInfo.InvariantCulture); };
            };
        }
        if (col.Type == NumberDataViewType.Single)
            return cursor => { var g = cursor.GetGetter<float>(col); return () => { float v = 0; g(ref v); return v.ToString(CultureInfo.InvariantCulture); }; };
        if (col.Type == NumberDataViewType.Int32)
            return cursor => { var g = cursor.GetGetter<int>(col); return () => { int v = 0; g(ref v); return v.ToString(CultureInfo.InvariantCulture); }; };
        if (col.Type == NumberDataViewType.Double)
            return cursor => { var g = cursor.GetGetter<double>(col); return () => { double v = 0; g(ref v); return v.ToString(CultureInfo.InvariantCulture); }; };
        throw new ArgumentException($"Label column '{col.Name}' has type {col.Type}; expected text, a number or a key.");
    }
}
