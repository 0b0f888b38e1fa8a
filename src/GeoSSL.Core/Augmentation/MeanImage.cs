using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Augmentation;

/// <summary>
/// A per-pixel mean subtracted from every image instead of one mean per channel, as some ImageNet models were trained
/// (ML.NET's CNTK ResNet18 subtracts a 224x224 mean image). Values are planar [Channels, Height, Width] on the 0..1
/// scale of the pixels; the image is resized bilinearly to whatever size the encoder is run at.
/// </summary>
public sealed record MeanImage(int Channels, int Height, int Width, float[] Values)
{
    public void Validate(int channels)
    {
        if (Channels != channels) throw new ArgumentException($"The mean image has {Channels} channels; the encoder takes {channels}.", nameof(Channels));
        if (Height < 1 || Width < 1) throw new ArgumentException($"The mean image must be at least 1x1; got {Height}x{Width}.");
        if (Values is null || Values.Length != (long)Channels * Height * Width)
            throw new ArgumentException($"The mean image needs {Channels}x{Height}x{Width} = {(long)Channels * Height * Width} values; got {Values?.Length ?? 0}.", nameof(Values));
        if (Values.Any(v => !float.IsFinite(v))) throw new ArgumentException("The mean image holds non-finite values.", nameof(Values));
    }

    /// <summary>The same mean at another size (bilinear, corners not aligned, as torchvision's resize without antialias).</summary>
    public MeanImage ResizedTo(int height, int width)
    {
        if (height == Height && width == Width) return this;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(Values, new long[] { 1, Channels, Height, Width });
        var y = F.interpolate(x, new long[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: false);
        return new MeanImage(Channels, height, width, y.contiguous().data<float>().ToArray());
    }

    /// <summary>Average of each channel (for consumers that only take a per-channel mean).</summary>
    public float[] ChannelMeans()
    {
        int plane = Height * Width;
        return Enumerable.Range(0, Channels).Select(c => (float)Values.AsSpan(c * plane, plane).ToArray().Average()).ToArray();
    }

    /// <summary>[1, C, height, width] on <paramref name="device"/>, resized if needed.</summary>
    public Tensor ToTensor(int height, int width, Device device)
    {
        var m = ResizedTo(height, width);
        return tensor(m.Values, new long[] { 1, Channels, height, width }, device: device);
    }
}
