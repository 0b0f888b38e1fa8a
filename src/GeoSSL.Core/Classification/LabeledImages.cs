namespace GeoSSL.Core.Classification;

/// <summary>Labelled images for fine-tuning: planar (C, H, W) raw samples of equal size (bytes, or float32 for non-byte inputs) and a class index per image.</summary>
internal interface ILabeledImageSource
{
    int Count { get; }
    int Channels { get; }
    int Height { get; }
    int Width { get; }

    /// <summary>Bytes per sample: 1 for 8-bit images, 4 for float32 samples (uint16 or float inputs).</summary>
    int BytesPerSample => 1;

    /// <summary>Planar C*H*W samples of image <paramref name="index"/>, as bytes.</summary>
    ReadOnlySpan<byte> Image(int index);

    /// <summary>Class index (0-based) of image <paramref name="index"/>.</summary>
    int Label(int index);
}

/// <summary>An in-memory <see cref="ILabeledImageSource"/>: images back to back in one buffer.</summary>
internal sealed class LabeledImages : ILabeledImageSource
{
    private readonly byte[] pixels;
    private readonly int[] labels;

    /// <param name="bytesPerSample">1 for 8-bit images, 4 for float32 samples.</param>
    public LabeledImages(byte[] pixels, int[] labels, int channels, int height, int width, int bytesPerSample = 1)
    {
        if (bytesPerSample is not (1 or 4)) throw new ArgumentOutOfRangeException(nameof(bytesPerSample), bytesPerSample, "Samples are bytes (1) or float32 (4).");
        BytesPerSample = bytesPerSample;
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (channels < 1 || height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(channels), "Channels, height and width must be positive.");
        long expected = (long)labels.Length * channels * height * width * bytesPerSample;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"{labels.Length} images of {channels}x{height}x{width} need {expected} bytes; got {pixels.LongLength}.", nameof(pixels));
        this.pixels = pixels;
        this.labels = labels;
        Channels = channels; Height = height; Width = width;
    }

    public int Count => labels.Length;
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int BytesPerSample { get; }
    public int ImageBytes => Channels * Height * Width * BytesPerSample;

    public ReadOnlySpan<byte> Image(int index) => pixels.AsSpan(index * ImageBytes, ImageBytes);
    public int Label(int index) => labels[index];

    /// <summary>The images with the given indices, in that order (for splits).</summary>
    public LabeledImages Subset(IReadOnlyList<int> indices)
    {
        var p = new byte[(long)indices.Count * ImageBytes];
        var l = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(p.AsSpan(i * ImageBytes, ImageBytes));
            l[i] = labels[indices[i]];
        }
        return new LabeledImages(p, l, Channels, Height, Width, BytesPerSample);
    }
}
