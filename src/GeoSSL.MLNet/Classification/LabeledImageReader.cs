using GeoSSL.Core.Classification;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Classification;

/// <summary>
/// Reads labelled images out of an IDataView for training. Pixels come from the same stock transforms the returned model
/// applies (LoadImages, ResizeImages, ExtractPixels), so training and prediction see identical pixels; a tensor column's
/// samples are taken as they are (float32), as the returned model passes them to the ONNX graph unchanged. Bad rows
/// (missing label, empty path, missing or unreadable file) raise a <see cref="GeoDataException"/> naming the row, column and file.
/// </summary>
internal static class LabeledImageReader
{
    public static LabeledImages Read(TransformsCatalog catalog, IDataView data, ClassifierInput input, string labelColumnName, string what,
        CancellationToken cancellationToken = default)
    {
        if (input.ImageKind == ImageColumnKind.Tensor) return ReadTensors(data, input, labelColumnName, what, cancellationToken);
        // Decoding runs through a row mapper on this thread (see ImageRowPixels), so a failure is reported with its row and file.
        var preprocess = ClassifierChainBuilder.Preprocessing(catalog, input, asFloats: false, out _).Fit(data);
        var label = data.Schema[labelColumnName];
        using var pixels = new ImageRowPixels<byte>(preprocess, data, ClassifierChainBuilder.PixelsColumn, input.ImageColumnName, input.ImageKind,
            input.ImageFolder, what, new[] { label });
        var cursor = pixels.Cursor;
        var labelGetter = KeyGetter(cursor, label);
        int imageBytes = input.Input.ValuesPerImage;
        var buffer = new MemoryStream();
        var labels = new List<int>();
        VBuffer<byte> values = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int index = LabelIndex(labelGetter, row, labelColumnName, what);
            string? file = pixels.Get(row, ref values);
            if (values.Length != imageBytes)
                throw new GeoDataException($"Row {row} of the {what} data: the image gave {values.Length} pixel values, expected {imageBytes}.", row, input.ImageColumnName, file);
            if (values.IsDense) buffer.Write(values.GetValues());
            else foreach (var b in values.DenseValues()) buffer.WriteByte(b);
            labels.Add(index);
        }
        return new LabeledImages(buffer.ToArray(), labels.ToArray(), input.Input.Channels, input.ImageSize, input.ImageSize);
    }

    /// <summary>
    /// A tensor column's samples as float32, as they are: the ONNX graph and the TorchSharp normaliser both scale them by the
    /// spec, so nothing is converted here; non-finite samples are refused with the row, column and band named.
    /// </summary>
    private static LabeledImages ReadTensors(IDataView data, ClassifierInput input, string labelColumnName, string what, CancellationToken cancellationToken)
    {
        var image = data.Schema[input.ImageColumnName];
        var label = data.Schema[labelColumnName];
        using var cursor = data.GetRowCursor(new[] { image, label });
        var tensorGetter = cursor.GetGetter<VBuffer<float>>(image);
        var labelGetter = KeyGetter(cursor, label);
        var buffer = new MemoryStream();
        var labels = new List<int>();
        VBuffer<float> cell = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int index = LabelIndex(labelGetter, row, labelColumnName, what);
            tensorGetter(ref cell);
            buffer.Write(TensorSamples.ToBytes(cell, row, input.ImageColumnName, input.Input, what));
            labels.Add(index);
        }
        var spec = input.Input;
        return new LabeledImages(buffer.ToArray(), labels.ToArray(), spec.Channels, spec.Height, spec.Width, bytesPerSample: sizeof(float));
    }

    /// <summary>The 0-based class of the current row; key 0 (a value outside the label's keys) is a named error.</summary>
    private static int LabelIndex(Func<ulong> labelGetter, long row, string labelColumnName, string what)
    {
        ulong key = labelGetter();
        if (key == 0)
            throw new GeoDataException(
                $"Row {row} of the {what} data: column '{labelColumnName}' has a missing label (key 0: its value is not one of the label's keys). " +
                "Remove the row, or build the keys from data that includes its value.", row, labelColumnName);
        return (int)key - 1;
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
