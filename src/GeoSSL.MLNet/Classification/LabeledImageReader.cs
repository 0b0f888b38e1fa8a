using GeoSSL.Core.Classification;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Classification;

/// <summary>
/// Reads labelled images out of an IDataView for training. Pixels come from the same stock transforms the returned model
/// applies (LoadImages, ResizeImages Fill, ExtractPixels), so training and prediction see identical pixels. Bad rows
/// (missing label, empty path, missing or unreadable file) raise a <see cref="GeoDataException"/> naming the row, column and file.
/// </summary>
internal static class LabeledImageReader
{
    public static LabeledImages Read(TransformsCatalog catalog, IDataView data, ClassifierInput input, string labelColumnName, string what,
        CancellationToken cancellationToken = default)
    {
        // Decoding runs through a row mapper on this thread (not a transformed view, whose cursor may decode ahead on worker
        // threads), so a failure surfaces in the pixel getter of its own row and can be reported with the row and file.
        var preprocess = ClassifierChainBuilder.Preprocessing(catalog, input, asFloats: false, out _).Fit(data);
        var mapper = preprocess.GetRowToRowMapper(data.Schema);
        var pixels = mapper.OutputSchema[ClassifierChainBuilder.PixelsColumn];
        var label = data.Schema[labelColumnName];
        var image = data.Schema[input.ImageColumnName];
        var needed = mapper.GetDependencies(new[] { pixels }).Concat(new[] { label, image }).DistinctBy(c => c.Index).ToList();
        using var cursor = data.GetRowCursor(needed);
        using var mapped = mapper.GetRow(cursor, new[] { pixels });
        var labelGetter = KeyGetter(cursor, label);
        var pixelGetter = mapped.GetGetter<VBuffer<byte>>(pixels);
        ValueGetter<ReadOnlyMemory<char>>? pathGetter = input.ImageKind == ImageColumnKind.Path ? cursor.GetGetter<ReadOnlyMemory<char>>(image) : null;
        int size = input.ImageSize, imageBytes = 3 * size * size;
        var buffer = new MemoryStream();
        var labels = new List<int>();
        ReadOnlyMemory<char> text = default;
        VBuffer<byte> values = default;
        long row = 0;
        for (; cursor.MoveNext(); row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ulong key = labelGetter();
            if (key == 0)
                throw new GeoDataException(
                    $"Row {row} of the {what} data: column '{labelColumnName}' has a missing label (key 0: its value is not one of the label's keys). " +
                    "Remove the row, or build the keys from data that includes its value.", row, labelColumnName);
            string? file = null;
            if (pathGetter is not null)
            {
                pathGetter(ref text);
                string path = text.ToString();
                if (string.IsNullOrWhiteSpace(path))
                    throw new GeoDataException($"Row {row} of the {what} data: column '{input.ImageColumnName}' is empty; expected an image path.", row, input.ImageColumnName);
                file = string.IsNullOrWhiteSpace(input.ImageFolder) || Path.IsPathRooted(path) ? path : Path.Combine(input.ImageFolder, path);
                if (!File.Exists(file))
                    throw new GeoDataException($"Row {row} of the {what} data: image file '{file}' (column '{input.ImageColumnName}') does not exist.", row, input.ImageColumnName, file);
            }
            try
            {
                pixelGetter(ref values);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                string source = file is null ? $"the image in column '{input.ImageColumnName}'" : $"image file '{file}' (column '{input.ImageColumnName}')";
                throw new GeoDataException($"Row {row} of the {what} data: {source} could not be read: {Innermost(e).Message}", row, input.ImageColumnName, file, e);
            }
            if (values.Length != imageBytes)
                throw new GeoDataException($"Row {row} of the {what} data: the image gave {values.Length} pixel values, expected {imageBytes}.", row, input.ImageColumnName, file);
            if (values.IsDense) buffer.Write(values.GetValues());
            else foreach (var b in values.DenseValues()) buffer.WriteByte(b);
            labels.Add((int)key - 1);
        }
        return new LabeledImages(buffer.ToArray(), labels.ToArray(), 3, size, size);
    }

    /// <summary>Key values of any key width (MapValueToKey makes UInt32 keys; loaders can make others).</summary>
    private static Func<ulong> KeyGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        switch (column.Type.RawType)
        {
            case var t when t == typeof(byte): { var g = cursor.GetGetter<byte>(column); return () => { byte v = 0; g(ref v); return v; }; }
            case var t when t == typeof(ushort): { var g = cursor.GetGetter<ushort>(column); return () => { ushort v = 0; g(ref v); return v; }; }
            case var t when t == typeof(ulong): { var g = cursor.GetGetter<ulong>(column); return () => { ulong v = 0; g(ref v); return v; }; }
            default: { var g = cursor.GetGetter<uint>(column); return () => { uint v = 0; g(ref v); return v; }; }
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
