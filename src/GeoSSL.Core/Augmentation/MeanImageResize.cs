using GeoSSL.Data.Input;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Augmentation;

/// <summary>Resizing a <see cref="MeanImage"/> to the size an encoder runs at (TorchSharp, so the data layer stays free of it).</summary>
internal static class MeanImageResize
{
    /// <summary>The same mean at another size (bilinear, corners not aligned, as torchvision's resize without antialias).</summary>
    public static MeanImage ResizedTo(this MeanImage image, int height, int width)
    {
        if (height == image.Height && width == image.Width) return image;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(image.Values, new long[] { 1, image.Channels, image.Height, image.Width });
        var y = F.interpolate(x, new long[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: false);
        return new MeanImage(image.Channels, height, width, y.contiguous().data<float>().ToArray());
    }

}
