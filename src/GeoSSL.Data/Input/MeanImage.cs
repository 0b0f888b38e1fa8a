namespace GeoSSL.Data.Input;

/// <summary>
/// A per-pixel mean subtracted from every image instead of one mean per channel, as some ImageNet models were trained
/// (ML.NET's CNTK ResNet18 subtracts a 224x224 mean image). Values are planar [Channels, Height, Width] on the scaled
/// (raw / <see cref="ImageInputSpec.SampleDivisor"/>) values; the core resizes it bilinearly to whatever size the encoder runs at.
/// </summary>
internal sealed record MeanImage(int Channels, int Height, int Width, float[] Values)
{
    public void Validate(int channels)
    {
        if (Channels != channels) throw new ArgumentException($"The mean image has {Channels} channels; the encoder takes {channels}.", nameof(Channels));
        if (Height < 1 || Width < 1) throw new ArgumentException($"The mean image must be at least 1x1; got {Height}x{Width}.");
        if (Values is null || Values.Length != (long)Channels * Height * Width)
            throw new ArgumentException($"The mean image needs {Channels}x{Height}x{Width} = {(long)Channels * Height * Width} values; got {Values?.Length ?? 0}.", nameof(Values));
        if (Values.Any(v => !float.IsFinite(v))) throw new ArgumentException("The mean image holds non-finite values.", nameof(Values));
    }

    /// <summary>Average of each channel (for consumers that only take a per-channel mean).</summary>
    public float[] ChannelMeans()
    {
        int plane = Height * Width;
        return Enumerable.Range(0, Channels).Select(c => (float)Values.AsSpan(c * plane, plane).ToArray().Average()).ToArray();
    }
}
