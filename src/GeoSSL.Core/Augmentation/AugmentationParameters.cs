namespace GeoSSL.Core.Augmentation;

/// <summary>
/// Random draws for one batch, one entry per image. Drawn on the CPU from a seeded <see cref="Random"/> so a
/// run (and a resumed run) sees exactly the same augmentations; applied to the whole batch at once on the device.
/// </summary>
internal sealed class AugmentationParameters
{
    public required int Count { get; init; }
    /// <summary>Affine matrices (crop + flips) for affine_grid, 6 numbers per image.</summary>
    public required float[] Theta { get; init; }
    public required float[] Brightness { get; init; }
    public required float[] Contrast { get; init; }
    public required float[] Saturation { get; init; }
    /// <summary>Hue shift as a fraction of a full turn.</summary>
    public required float[] Hue { get; init; }
    public required bool[] Grayscale { get; init; }
    /// <summary>Blur sigma in output pixels; 0 means no blur.</summary>
    public required float[] BlurSigma { get; init; }

    public static AugmentationParameters Sample(AugmentationOptions o, int count, int height, int width, Random rng)
    {
        var p = new AugmentationParameters
        {
            Count = count, Theta = new float[count * 6], Brightness = new float[count], Contrast = new float[count],
            Saturation = new float[count], Hue = new float[count], Grayscale = new bool[count], BlurSigma = new float[count],
        };
        for (int i = 0; i < count; i++)
        {
            var (top, left, h, w) = SampleCrop(o, height, width, rng);
            bool hflip = rng.NextDouble() < o.HorizontalFlipProbability;
            bool vflip = rng.NextDouble() < o.VerticalFlipProbability;
            // affine_grid (align_corners=false) maps output [-1,1] to input x = sx*u + tx.
            float sx = (float)w / width, sy = (float)h / height;
            float tx = (2f * left + w) / width - 1f, ty = (2f * top + h) / height - 1f;
            p.Theta[i * 6 + 0] = hflip ? -sx : sx;
            p.Theta[i * 6 + 2] = tx;
            p.Theta[i * 6 + 4] = vflip ? -sy : sy;
            p.Theta[i * 6 + 5] = ty;

            bool jitter = rng.NextDouble() < o.ColorJitterProbability;
            p.Brightness[i] = jitter ? Factor(o.Brightness, rng) : 1f;
            p.Contrast[i] = jitter ? Factor(o.Contrast, rng) : 1f;
            p.Saturation[i] = jitter ? Factor(o.Saturation, rng) : 1f;
            p.Hue[i] = jitter ? (float)((rng.NextDouble() * 2 - 1) * o.Hue) : 0f;
            p.Grayscale[i] = rng.NextDouble() < o.GrayscaleProbability;
            p.BlurSigma[i] = rng.NextDouble() < o.BlurProbability
                ? (float)(o.MinBlurSigma + rng.NextDouble() * (o.MaxBlurSigma - o.MinBlurSigma)) : 0f;
        }
        return p;
    }

    private static float Factor(double strength, Random rng)
    {
        double lo = Math.Max(0, 1 - strength), hi = 1 + strength;
        return (float)(lo + rng.NextDouble() * (hi - lo));
    }

    // torchvision's RandomResizedCrop.get_params: 10 tries at a random area and log-uniform aspect ratio, else a centre crop.
    private static (int Top, int Left, int H, int W) SampleCrop(AugmentationOptions o, int height, int width, Random rng)
    {
        double area = (double)height * width;
        double logLo = Math.Log(o.MinAspectRatio), logHi = Math.Log(o.MaxAspectRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (o.MinCropScale + rng.NextDouble() * (o.MaxCropScale - o.MinCropScale));
            double aspect = Math.Exp(logLo + rng.NextDouble() * (logHi - logLo));
            int w = (int)Math.Round(Math.Sqrt(target * aspect));
            int h = (int)Math.Round(Math.Sqrt(target / aspect));
            if (w > 0 && h > 0 && w <= width && h <= height)
                return (rng.Next(height - h + 1), rng.Next(width - w + 1), h, w);
        }
        double ratio = (double)width / height;
        int cw = width, ch = height;
        if (ratio < o.MinAspectRatio) ch = (int)Math.Round(width / o.MinAspectRatio);
        else if (ratio > o.MaxAspectRatio) cw = (int)Math.Round(height * o.MaxAspectRatio);
        return ((height - ch) / 2, (width - cw) / 2, ch, cw);
    }
}
