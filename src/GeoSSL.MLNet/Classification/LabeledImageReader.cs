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
        // Decoding runs through a row mapper on this thread (see ImageRowPixels), so a failure is reported with its row and file.
        var preprocess = ClassifierChainBuilder.Preprocessing(catalog, input, asFloats: false, out _).Fit(data);
        var label = data.Schema[labelColumnName];
        using var pixels = new ImageRowPixels<byte>(preprocess, data, ClassifierChainBuilder.PixelsColumn, input.ImageColumnName, input.ImageKind,
            input.ImageFolder, what, new[] { label });
        var cursor = pixels.Cursor;
        var labelGetter = KeyGetter(cursor, label);
        int size = input.ImageSize, imageBytes = 3 * size * size;
        var buffer = new MemoryStream();
        var labels = new List<int>();
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
            string? file = pixels.Get(row, ref values);
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
}
