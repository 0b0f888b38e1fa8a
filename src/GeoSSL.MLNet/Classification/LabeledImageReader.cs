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
    public static LabeledImages Read(TransformsCatalog catalog, IDataView data, ClassifierInput input, string labelColumnName, string what)
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
        var labelGetter = cursor.GetGetter<uint>(label);
        var pixelGetter = mapped.GetGetter<VBuffer<byte>>(pixels);
        ValueGetter<ReadOnlyMemory<char>>? pathGetter = input.ImageKind == ImageColumnKind.Path ? cursor.GetGetter<ReadOnlyMemory<char>>(image) : null;
        int size = input.ImageSize, imageBytes = 3 * size * size;
        var buffer = new MemoryStream();
        var labels = new List<int>();
        uint key = 0;
        ReadOnlyMemory<char> text = default;
        VBuffer<byte> values = default;
        long row = 0;
        for (; cursor.MoveNext(); row++)
        {
            labelGetter(ref key);
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

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
