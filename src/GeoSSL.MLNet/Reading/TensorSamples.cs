using GeoSSL.Data.Input;
using GeoSSL.Data.Records;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Reading;

/// <summary>
/// One cell of a tensor image column as the float32 bytes the trainers hold. Shared by the pretraining and the classifier
/// readers, so a no-data sample is refused the same way (row, column, band and pixel named) wherever it is read.
/// </summary>
internal static class TensorSamples
{
    /// <summary>A tensor cell as float32 bytes, refusing missing or non-finite samples with the row, column and band named.</summary>
    /// <param name="what">Names the data in messages ("Row 3 of the training data"); null for just "Row 3".</param>
    public static byte[] ToBytes(VBuffer<float> cell, long row, string column, ImageInputSpec input, string? what = null)
    {
        string at = what is null ? $"Row {row}" : $"Row {row} of the {what} data";
        int plane = input.Height * input.Width;
        if (cell.Length != input.ValuesPerImage)
            throw new GeoDataException($"{at}: column '{column}' holds {cell.Length} samples; [{input.Channels}, {input.Height}, {input.Width}] needs {input.ValuesPerImage}.", row, column);
        var values = new float[cell.Length];
        cell.CopyTo(values);
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new GeoDataException($"{at}: column '{column}', band {input.Bands[i / plane]} (channel {i / plane}), pixel ({i % plane % input.Width}, {i % plane / input.Width}) " +
                    $"is {values[i]}: fill or mask no-data samples before training.", row, column);
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }
}
