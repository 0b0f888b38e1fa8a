using GeoSSL.Core.Augmentation;
using GeoSSL.Data.Input;
using static TorchSharp.torch;

namespace GeoSSL.Core.Input;

/// <summary>
/// The TorchSharp half of an <see cref="ImageInputSpec"/>: raw samples to the unit scale (<c>raw / SampleDivisor</c>),
/// and that to the encoder's input (<c>(x - Mean) / Std</c>, or the mean image). Training, featurizing, fine-tuning and
/// the monitor all call it; the exported ONNX graph does the same arithmetic in its first nodes (OnnxEncoderExporter).
/// Augmentation runs between the two steps, on unit-scale values.
/// </summary>
internal sealed class InputNormalizer
{
    private readonly ImageInputSpec spec;
    private MeanImage? resizedMean; // the mean image at the size last asked for, resized once rather than per batch

    public InputNormalizer(ImageInputSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        this.spec = spec;
    }

    public ImageInputSpec Spec => spec;

    /// <summary>Planar raw samples as a [n, C, H, W] float tensor on <paramref name="device"/>, divided by the spec's divisor.</summary>
    public Tensor ToUnitScale(ReadOnlySpan<byte> samples, int count, int height, int width, Device device)
    {
        long[] shape = [count, spec.Channels, height, width];
        long values = (long)count * spec.Channels * height * width;
        var raw = spec.SampleType == SampleType.Byte
            ? tensor(samples.Slice(0, checked((int)values)).ToArray(), shape)
            : tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(samples).Slice(0, checked((int)values)).ToArray(), shape);
        return ToUnitScale(raw.to(device));
    }

    /// <summary>Planar raw float samples (uint16 or float data) as a unit-scale [n, C, H, W] tensor.</summary>
    public Tensor ToUnitScale(ReadOnlySpan<float> samples, int count, int height, int width, Device device) =>
        ToUnitScale(tensor(samples.Slice(0, count * spec.Channels * height * width).ToArray(), new long[] { count, spec.Channels, height, width }).to(device));

    /// <summary>Raw samples (any dtype) to float32 on the unit scale. Division rather than a multiply by 1/divisor: bit-equal to earlier releases' <c>/ 255</c>.</summary>
    public Tensor ToUnitScale(Tensor raw) => raw.to(ScalarType.Float32).div_(spec.SampleDivisor);

    /// <summary><c>(x - mean) / std</c> on unit-scale images [n, C, H, W]; the mean image is resized to H x W.</summary>
    public Tensor Normalize(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != spec.Channels)
            throw new ArgumentException($"Expected images of shape [N, {spec.Channels}, H, W] ({string.Join(",", spec.Bands)}), got [{string.Join(", ", x.shape)}].");
        using var scope = NewDisposeScope();
        int c = spec.Channels, h = (int)x.shape[2], w = (int)x.shape[3];
        Tensor m;
        if (spec.MeanImage is { } image)
        {
            if (resizedMean is null || resizedMean.Height != h || resizedMean.Width != w) resizedMean = image.ResizedTo(h, w);
            m = tensor(resizedMean.Values, new long[] { 1, c, h, w }, device: x.device);
        }
        else m = tensor(spec.Mean, device: x.device).view(1, c, 1, 1);
        var sd = tensor(spec.Std, device: x.device).view(1, c, 1, 1);
        return ((x - m) / sd).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="ToUnitScale(ReadOnlySpan{byte}, int, int, int, Device)"/> then <see cref="Normalize"/>: what an encoder is fed at inference.</summary>
    public Tensor Apply(ReadOnlySpan<byte> samples, int count, int height, int width, Device device)
    {
        using var scope = NewDisposeScope();
        return Normalize(ToUnitScale(samples, count, height, width, device)).MoveToOuterDisposeScope();
    }
}
