namespace GeoSSL.Core.Augmentation;

/// <summary>
/// MoCo-v2 "aug-plus", applied independently to every image of a batch. Defaults are the paper's. Augmentation only
/// augments: normalisation belongs to the input contract (<see cref="GeoSSL.Data.Input.ImageInputSpec"/>).
/// </summary>
internal sealed record AugmentationOptions
{
    /// <summary>Side of the square output crop in pixels.</summary>
    public int OutputSize { get; init; } = 224;

    /// <summary>RandomResizedCrop area range as a fraction of the image (0.2-1).</summary>
    public double MinCropScale { get; init; } = 0.2;
    public double MaxCropScale { get; init; } = 1.0;

    /// <summary>RandomResizedCrop aspect-ratio range (3/4-4/3).</summary>
    public double MinAspectRatio { get; init; } = 3.0 / 4.0;
    public double MaxAspectRatio { get; init; } = 4.0 / 3.0;

    /// <summary>ColorJitter strengths (0.4, 0.4, 0.4, 0.1) and the probability it is applied (0.8).</summary>
    public double Brightness { get; init; } = 0.4;
    public double Contrast { get; init; } = 0.4;
    public double Saturation { get; init; } = 0.4;
    public double Hue { get; init; } = 0.1;
    public double ColorJitterProbability { get; init; } = 0.8;

    /// <summary>Probability of converting to grayscale (0.2).</summary>
    public double GrayscaleProbability { get; init; } = 0.2;

    /// <summary>Probability of a Gaussian blur (0.5) and its sigma range in pixels (0.1-2.0).</summary>
    public double BlurProbability { get; init; } = 0.5;
    public double MinBlurSigma { get; init; } = 0.1;
    public double MaxBlurSigma { get; init; } = 2.0;

    /// <summary>Probability of a horizontal flip (0.5).</summary>
    public double HorizontalFlipProbability { get; init; } = 0.5;

    /// <summary>Probability of a vertical flip. 0 as in the paper; overhead imagery has no "up", so 0.5 is a reasonable extra.</summary>
    public double VerticalFlipProbability { get; init; }

    /// <summary>No augmentation at all: resize to <see cref="OutputSize"/> (for evaluation).</summary>
    public static AugmentationOptions None(int outputSize) => new()
    {
        OutputSize = outputSize, MinCropScale = 1, MaxCropScale = 1, MinAspectRatio = 1, MaxAspectRatio = 1,
        ColorJitterProbability = 0, GrayscaleProbability = 0, BlurProbability = 0, HorizontalFlipProbability = 0,
    };

    public void Validate()
    {
        if (OutputSize < 8) throw new ArgumentOutOfRangeException(nameof(OutputSize), OutputSize, "Output size must be at least 8 pixels.");
        if (MinCropScale <= 0 || MinCropScale > MaxCropScale || MaxCropScale > 1)
            throw new ArgumentOutOfRangeException(nameof(MinCropScale), $"Crop scale range must satisfy 0 < min <= max <= 1 (got {MinCropScale}-{MaxCropScale}).");
        if (MinAspectRatio <= 0 || MinAspectRatio > MaxAspectRatio)
            throw new ArgumentOutOfRangeException(nameof(MinAspectRatio), "Aspect-ratio range must satisfy 0 < min <= max.");
    }
}
