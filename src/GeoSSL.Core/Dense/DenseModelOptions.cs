using GeoSSL.Core.Networks;

namespace GeoSSL.Core.Dense;

/// <summary>
/// Shape of a <see cref="DenseModel"/>: a ResNet encoder, a U-Net decoder and a 1x1 classification conv.
/// One input image gives semantic segmentation; two (the dates of a pair, through the same encoder) give change detection.
/// </summary>
internal sealed record DenseModelOptions
{
    /// <summary>The backbone (usually a pretrained encoder's options).</summary>
    public ResNetOptions Encoder { get; init; } = new() { Depth = ResNetDepth.ResNet18 };

    /// <summary>Output classes K (2 for change: no change / change).</summary>
    public int Classes { get; init; } = 2;

    /// <summary>Images per sample: 1 for segmentation, 2 for change detection (a siamese encoder with shared weights).</summary>
    public int Inputs { get; init; } = 1;

    /// <summary>How the two dates' features are combined; ignored with one input.</summary>
    public ChangeFusion Fusion { get; init; } = ChangeFusion.Difference;

    /// <summary>
    /// Multiplier on the decoder widths. The base widths are segmentation_models_pytorch's (256, 128, 64, 32, 16) scaled by
    /// <c>BaseWidth / 64</c>, so a full-width ResNet-18 gets smp's decoder and a BaseWidth-16 test encoder a quarter of it.
    /// </summary>
    public double DecoderWidthScale { get; init; } = 1.0;

    /// <summary>
    /// Keep the encoder fixed: its parameters get no gradient and its BatchNorm layers stay in eval mode (running statistics
    /// unchanged) when the model is put in training mode; only the decoder and head learn.
    /// </summary>
    public bool FreezeEncoder { get; init; }

    /// <summary>The five decoder block widths, deepest first.</summary>
    public int[] DecoderWidths()
    {
        double scale = Encoder.BaseWidth / 64.0 * DecoderWidthScale;
        return [.. new[] { 256, 128, 64, 32, 16 }.Select(w => Math.Max(1, (int)Math.Round(w * scale)))];
    }

    /// <summary>A two-input change-detection model with K = 2 on <paramref name="encoder"/>.</summary>
    public static DenseModelOptions Change(ResNetOptions encoder, ChangeFusion fusion = ChangeFusion.Difference) =>
        new() { Encoder = encoder, Classes = 2, Inputs = 2, Fusion = fusion };

    /// <summary>A single-input segmentation model with <paramref name="classes"/> classes on <paramref name="encoder"/>.</summary>
    public static DenseModelOptions Segmentation(ResNetOptions encoder, int classes) =>
        new() { Encoder = encoder, Classes = classes, Inputs = 1 };

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Encoder);
        Encoder.Validate();
        if (Classes < 2) throw new ArgumentOutOfRangeException(nameof(Classes), Classes, "A dense model needs at least two classes.");
        if (Inputs is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(Inputs), Inputs, "A dense model takes one image (segmentation) or two (change detection).");
        if (!Enum.IsDefined(Fusion)) throw new ArgumentOutOfRangeException(nameof(Fusion), Fusion, "Unknown fusion.");
        if (!double.IsFinite(DecoderWidthScale) || DecoderWidthScale <= 0)
            throw new ArgumentOutOfRangeException(nameof(DecoderWidthScale), DecoderWidthScale, "The decoder width scale must be positive.");
    }

    /// <summary>Channels of each fused encoder stage (stem, layer1-4) the decoder reads.</summary>
    internal int[] SkipWidths()
    {
        int factor = Inputs == 2 && Fusion == ChangeFusion.Concatenation ? 2 : 1;
        return [Encoder.BaseWidth * factor, .. Enumerable.Range(1, 4).Select(l => Encoder.StageWidth(l) * factor)];
    }
}
