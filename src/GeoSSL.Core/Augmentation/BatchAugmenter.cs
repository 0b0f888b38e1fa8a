using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Augmentation;

/// <summary>
/// Applies aug-plus to a whole batch in a handful of tensor ops, each image with its own parameters:
/// crop+resize+flip as one affine grid sample, colour jitter as per-image factors and a per-image 3x3 hue
/// matrix, grayscale as a per-image mask, blur as a grouped separable convolution with per-image kernels.
/// Saturation, hue and grayscale only run on true-colour bands (R,G,B); other bands get crop, flip, brightness,
/// contrast and blur, as torchgeo's MoCo does for multispectral input. Output stays on the unit scale: the caller
/// normalises (<see cref="Input.InputNormalizer"/>).
/// </summary>
internal sealed class BatchAugmenter
{
    private readonly AugmentationOptions options;
    private readonly int channels;
    private readonly bool colour, clamp;

    /// <param name="trueColour">The channels are R, G, B (saturation, hue and grayscale apply); null: when there are 3 channels.</param>
    /// <param name="clampToUnitRange">Clamp after brightness/contrast/colour to 0..1: right for 8-bit pixels, wrong for reflectance
    /// (bright surfaces exceed 1) or other float data.</param>
    public BatchAugmenter(AugmentationOptions options, int channels, bool? trueColour = null, bool clampToUnitRange = true)
    {
        options.Validate();
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Need at least one channel.");
        if (trueColour == true && channels != 3) throw new ArgumentException($"True-colour augmentation needs 3 channels, not {channels}.", nameof(trueColour));
        this.options = options;
        this.channels = channels;
        colour = trueColour ?? channels == 3;
        clamp = clampToUnitRange;
    }

    /// <summary>An augmenter for the spec's bands: colour operations on true-colour input only, clamping on 8-bit input only.</summary>
    public static BatchAugmenter For(AugmentationOptions options, GeoSSL.Data.Input.ImageInputSpec input) =>
        new(options, input.Channels, input.IsTrueColour, input.IsUnitRange);

    public AugmentationOptions Options => options;

    /// <summary>Augments <paramref name="images"/> ([N, C, H, W], unit-scale floats); the result is not normalised.</summary>
    public Tensor Apply(Tensor images, Random rng)
    {
        var p = AugmentationParameters.Sample(options, (int)images.shape[0], (int)images.shape[2], (int)images.shape[3], rng);
        return Apply(images, p);
    }

    public Tensor Apply(Tensor images, AugmentationParameters p)
    {
        if (images.dim() != 4 || images.shape[1] != channels)
            throw new ArgumentException($"Expected images of shape [N, {channels}, H, W], got [{string.Join(", ", images.shape)}].");
        using var scope = NewDisposeScope();
        var device = images.device;
        long n = images.shape[0], s = options.OutputSize;
        Tensor PerImage(float[] v) => tensor(v, device: device).view(n, 1, 1, 1);

        var theta = tensor(p.Theta, device: device).view(n, 2, 3);
        var grid = F.affine_grid(theta, new long[] { n, channels, s, s }, align_corners: false);
        var x = F.grid_sample(images, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border, align_corners: false);

        x = Clamp(x * PerImage(p.Brightness));
        var mean = Gray(x).mean(new long[] { 1, 2, 3 }, keepdim: true);
        x = Clamp((x - mean) * PerImage(p.Contrast) + mean);
        if (colour)
        {
            var gray = Gray(x);
            x = Clamp((x - gray) * PerImage(p.Saturation) + gray);
            x = Clamp(RotateHue(x, p.Hue));
            var mask = tensor(p.Grayscale, device: device).view(n, 1, 1, 1);
            x = where(mask, Gray(x).expand_as(x), x);
        }
        return Blur(x, p.BlurSigma).MoveToOuterDisposeScope();
    }

    private Tensor Clamp(Tensor x) => clamp ? x.clamp_(0, 1) : x;

    // ITU-R 601 luma, as torchvision's rgb_to_grayscale; for non-RGB data the channel mean.
    private Tensor Gray(Tensor x)
    {
        if (!colour) return x.mean(new long[] { 1 }, keepdim: true);
        using var scope = NewDisposeScope();
        var w = tensor(new[] { 0.299f, 0.587f, 0.114f }, device: x.device).view(1, 3, 1, 1);
        return (x * w).sum(1, keepdim: true).MoveToOuterDisposeScope();
    }

    // Hue rotation in YIQ space: one 3x3 matrix per image, applied with a batched matmul. It keeps luma fixed
    // and rotates chroma by 2*pi*hue, a close and much cheaper stand-in for torchvision's HSV round trip.
    private static readonly float[,] RgbToYiq = { { 0.299f, 0.587f, 0.114f }, { 0.596f, -0.274f, -0.322f }, { 0.211f, -0.523f, 0.312f } };
    private static readonly float[,] YiqToRgb = { { 1f, 0.956f, 0.621f }, { 1f, -0.272f, -0.647f }, { 1f, -1.106f, 1.703f } };

    private static Tensor RotateHue(Tensor x, float[] hue)
    {
        if (hue.All(h => h == 0)) return x;
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var mats = new float[n * 9];
        for (int i = 0; i < n; i++)
        {
            double a = hue[i] * 2 * Math.PI, c = Math.Cos(a), sn = Math.Sin(a);
            var rot = new double[3, 3] { { 1, 0, 0 }, { 0, c, -sn }, { 0, sn, c } };
            for (int r = 0; r < 3; r++)
                for (int col = 0; col < 3; col++)
                {
                    double acc = 0;
                    for (int a1 = 0; a1 < 3; a1++)
                        for (int a2 = 0; a2 < 3; a2++)
                            acc += YiqToRgb[r, a1] * rot[a1, a2] * RgbToYiq[a2, col];
                    mats[i * 9 + r * 3 + col] = (float)acc;
                }
        }
        var m = tensor(mats, device: x.device).view(n, 3, 3);
        var flat = x.reshape(n, 3, -1);
        return m.bmm(flat).view_as(x).MoveToOuterDisposeScope();
    }

    private Tensor Blur(Tensor x, float[] sigma)
    {
        if (sigma.All(s => s == 0)) return x;
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        int radius = (int)Math.Ceiling(3 * options.MaxBlurSigma);
        radius = (int)Math.Min(radius, Math.Min(h, w) - 1);
        int size = 2 * radius + 1;
        var kernels = new float[n * size];
        for (int i = 0; i < n; i++)
        {
            double s = sigma[i], sum = 0;
            for (int t = -radius; t <= radius; t++)
            {
                double v = s == 0 ? (t == 0 ? 1 : 0) : Math.Exp(-(t * t) / (2 * s * s));
                kernels[i * size + t + radius] = (float)v;
                sum += v;
            }
            for (int t = 0; t < size; t++) kernels[i * size + t] /= (float)sum;
        }
        var k = tensor(kernels, device: x.device).view(n, 1, size).repeat_interleave(c, dim: 0); // [n*c, 1, size]
        var y = x.reshape(1, n * c, h, w);
        y = F.pad(y, new long[] { radius, radius, radius, radius }, PaddingModes.Reflect);
        y = F.conv2d(y, k.view(n * c, 1, size, 1), groups: n * c);
        y = F.conv2d(y, k.view(n * c, 1, 1, size), groups: n * c);
        return y.view(n, c, h, w).MoveToOuterDisposeScope();
    }
}
