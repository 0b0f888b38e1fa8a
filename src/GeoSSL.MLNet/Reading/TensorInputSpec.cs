using GeoSSL.Data.Input;
using Microsoft.ML;

namespace GeoSSL.MLNet.Reading;

/// <summary>
/// The input contract an estimator derives from its Bands / SampleDivisor / Mean / Std options and the image column. One
/// implementation for the pretraining estimator and the classifier, so both read a tensor column the same way and refuse
/// the same misconfigurations with the same words (the option names are the same in both option classes).
/// </summary>
internal static class TensorInputSpec
{
    /// <summary>
    /// For image and path columns: Bands and SampleDivisor can only say what those columns are (R,G,B, 255); anything else
    /// needs a tensor column, which is said rather than silently ignored.
    /// </summary>
    public static void RequireRgbSettings(string column, string[]? bands, float? sampleDivisor)
    {
        if (bands is { } rgb && !rgb.SequenceEqual(ImageInputSpec.RgbBands, StringComparer.OrdinalIgnoreCase))
            throw new ArgumentException($"Bands [{string.Join(",", rgb)}] need a tensor column; column '{column}' holds R,G,B images.", "Bands");
        if (sampleDivisor is { } d && d != ImageInputSpec.ByteDivisor)
            throw new ArgumentException($"SampleDivisor {d} needs a tensor column; column '{column}' holds 8-bit images (divisor 255).", "SampleDivisor");
    }

    /// <summary>
    /// A tensor column's spec: its [C, H, W] float samples, named by <paramref name="bands"/>, divided by <paramref name="sampleDivisor"/>
    /// (null: 1). Missing Mean/Std are placeholders (0 and 1) until <see cref="TensorStatistics.WithDataStatistics"/> measures them.
    /// </summary>
    /// <param name="schema">The input's schema, for the column's dimensions; null when only a schema shape is known.</param>
    public static ImageInputSpec ForTensorColumn(DataViewSchema? schema, string column, int imageSize, string[]? bands, float? sampleDivisor,
        float[]? mean, float[]? std, MeanImage? meanImage)
    {
        var (c, h, w) = schema is null
            ? (bands?.Length ?? 3, imageSize, imageSize)
            : InputColumns.TensorShape(schema, column, "ImageColumnName", bands?.Length);
        if (h != imageSize || w != imageSize)
            throw new ArgumentException($"Column '{column}' holds [{c}, {h}, {w}] samples but ImageSize is {imageSize}: " +
                "set ImageSize to the tensors' side, or read them at that size.", "ImageSize");
        var names = bands ?? Enumerable.Range(1, c).Select(i => $"band{i}").ToArray();
        if (names.Length != c)
            throw new ArgumentException($"Bands names {names.Length} bands [{string.Join(",", names)}] but column '{column}' holds {c} channels.", "Bands");
        var spec = new ImageInputSpec
        {
            Bands = names, SampleType = SampleType.Float32, SampleDivisor = sampleDivisor ?? 1f, Height = h, Width = w,
            Mean = mean ?? new float[c], Std = std ?? Enumerable.Repeat(1f, c).ToArray(), MeanImage = meanImage,
        };
        try { spec.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"Input of column '{column}': {e.Message}", e.ParamName, e); }
        return spec;
    }
}
