using GeoSSL.Data.Input;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Hosting;

namespace GeoSSL.MLNet.Reading;

/// <summary>
/// Per-band normalisation measured on the training rows of a tensor column, for Mean/Std left null. Shared by the
/// pretraining estimator and the classifier so both normalise multispectral input the same way from the same sample.
/// </summary>
internal static class TensorStatistics
{
    /// <summary>Image <paramref name="index"/> as planar float32 bytes [C, H, W].</summary>
    public delegate ReadOnlySpan<byte> ImageBytes(int index);

    /// <summary>The spec with per-band mean/std of a seeded sample of the images' scaled samples, for <paramref name="mean"/>/<paramref name="std"/> left null.</summary>
    /// <param name="maxImages">Images sampled (seeded reservoir) for the statistics.</param>
    public static ImageInputSpec WithDataStatistics(ImageInputSpec spec, int count, ImageBytes image, float[]? mean, float[]? std,
        int maxImages, int seed, string column, MLContextChannel log)
    {
        var stats = BandStatistics.Compute(Floats(count, image), spec.Channels, maxImages: maxImages, seed: seed);
        for (int c = 0; c < spec.Channels; c++)
            if (!(stats.Std[c] > 0))
                throw new GeoDataException($"Band {spec.Bands[c]} of column '{column}' is constant ({stats.Mean[c]}) in the sampled rows: " +
                    "it carries nothing to learn from and cannot be normalised. Drop the band, or give Mean and Std.");
        var m = mean ?? stats.Mean.Select(v => (float)(v / spec.SampleDivisor)).ToArray();
        var s = std ?? stats.Std.Select(v => (float)(v / spec.SampleDivisor)).ToArray();
        log.Info($"Per-band statistics of {Math.Min(count, maxImages)} images: " +
            string.Join(", ", spec.Bands.Select((b, c) => $"{b} {m[c]:G4}±{s[c]:G4}")) + ".");
        return spec with { Mean = m, Std = s };
    }

    private static IEnumerable<float[]> Floats(int count, ImageBytes image)
    {
        for (int i = 0; i < count; i++)
            yield return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(image(i)).ToArray();
    }
}
