namespace GeoSSL.Data.Rasters;

/// <summary>
/// Per-band mean and (population) standard deviation of planar [C,H,W] images, e.g. to normalise Sentinel-2 input
/// with the user's own statistics rather than ImageNet's. <see cref="Count"/> is the values seen per band;
/// non-finite values (NaN no-data) are left out.
/// </summary>
internal sealed record BandStatistics(double[] Mean, double[] Std, long[] Count)
{
    /// <summary>
    /// Statistics over <paramref name="images"/>, each [<paramref name="channels"/>, H, W] row-major (sizes may differ).
    /// Welford's update in double keeps large, offset values (reflectance x 10000) accurate over millions of pixels.
    /// </summary>
    /// <param name="maxPixelsPerImage">At most this many pixel positions per image (all bands of each), chosen without
    /// repeats by a generator seeded with <paramref name="seed"/>: the same inputs and seed give the same statistics.</param>
    /// <param name="maxImages">At most this many images, a seeded reservoir sample of the sequence (the whole sequence is still read).</param>
    public static BandStatistics Compute(IEnumerable<float[]> images, int channels, int? maxPixelsPerImage = null, int? maxImages = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (maxPixelsPerImage is < 1) throw new ArgumentOutOfRangeException(nameof(maxPixelsPerImage), maxPixelsPerImage, "Sample at least one pixel per image.");
        if (maxImages is < 1) throw new ArgumentOutOfRangeException(nameof(maxImages), maxImages, "Sample at least one image.");
        var random = new Random(seed);
        var chosen = maxImages is int m ? Reservoir(images, m, random) : images;
        var count = new long[channels];
        var mean = new double[channels];
        var m2 = new double[channels];
        int index = 0;
        foreach (var image in chosen)
        {
            if (image is null || image.Length == 0 || image.Length % channels != 0)
                throw new ArgumentException($"Image {index} has {image?.Length ?? 0} values; expected a positive multiple of {channels} channels ([C,H,W]).", nameof(images));
            int pixels = image.Length / channels;
            var positions = maxPixelsPerImage is int n && n < pixels ? SamplePositions(pixels, n, random) : null;
            for (int c = 0; c < channels; c++)
            {
                var band = image.AsSpan(c * pixels, pixels);
                if (positions is null) foreach (float v in band) Add(v, ref count[c], ref mean[c], ref m2[c]);
                else foreach (int p in positions) Add(band[p], ref count[c], ref mean[c], ref m2[c]);
            }
            index++;
        }
        if (index == 0) throw new ArgumentException("No images to compute band statistics from.", nameof(images));
        var empty = Array.IndexOf(count, 0L);
        if (empty >= 0) throw new ArgumentException($"Band {empty} has no finite values in the {index} image(s); its statistics are undefined.", nameof(images));
        var std = m2.Select((s, c) => Math.Sqrt(s / count[c])).ToArray();
        return new BandStatistics(mean, std, count);
    }

    private static void Add(float value, ref long count, ref double mean, ref double m2)
    {
        if (!float.IsFinite(value)) return;
        count++;
        double delta = value - mean;
        mean += delta / count;
        m2 += delta * (value - mean);
    }

    /// <summary><paramref name="n"/> distinct positions below <paramref name="pixels"/> (partial Fisher-Yates), ascending for memory order.</summary>
    private static int[] SamplePositions(int pixels, int n, Random random)
    {
        var all = new int[pixels];
        for (int i = 0; i < pixels; i++) all[i] = i;
        for (int i = 0; i < n; i++)
        {
            int j = random.Next(i, pixels);
            (all[i], all[j]) = (all[j], all[i]);
        }
        var chosen = all[..n];
        Array.Sort(chosen);
        return chosen;
    }

    private static List<float[]> Reservoir(IEnumerable<float[]> images, int size, Random random)
    {
        var kept = new List<float[]>(size);
        long seen = 0;
        foreach (var image in images)
        {
            seen++;
            if (kept.Count < size) kept.Add(image);
            else
            {
                long j = random.NextInt64(seen);
                if (j < size) kept[(int)j] = image;
            }
        }
        return kept;
    }
}
