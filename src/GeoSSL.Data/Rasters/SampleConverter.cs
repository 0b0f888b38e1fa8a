using System.Runtime.InteropServices;

namespace GeoSSL.Data.Rasters;

/// <summary>Converts decoded samples (native byte order, as LibTiff leaves them) to float, taking every stride-th sample.</summary>
internal static class SampleConverter
{
    internal static bool IsSupported(RasterSampleFormat format, int bits) => (format, bits) switch
    {
        (RasterSampleFormat.UnsignedInteger or RasterSampleFormat.SignedInteger, 8 or 16 or 32) => true,
        (RasterSampleFormat.IeeeFloat, 32 or 64) => true,
        _ => false,
    };

    internal static void Copy(byte[] block, int firstSample, int stride, RasterSampleFormat format, int bits, Span<float> target)
    {
        switch (format, bits)
        {
            case (RasterSampleFormat.UnsignedInteger, 8):
                for (int i = 0; i < target.Length; i++) target[i] = block[firstSample + i * stride];
                break;
            case (RasterSampleFormat.SignedInteger, 8):
                for (int i = 0; i < target.Length; i++) target[i] = (sbyte)block[firstSample + i * stride];
                break;
            case (RasterSampleFormat.UnsignedInteger, 16): Gather(MemoryMarshal.Cast<byte, ushort>(block), firstSample, stride, target, v => v); break;
            case (RasterSampleFormat.SignedInteger, 16): Gather(MemoryMarshal.Cast<byte, short>(block), firstSample, stride, target, v => v); break;
            case (RasterSampleFormat.UnsignedInteger, 32): Gather(MemoryMarshal.Cast<byte, uint>(block), firstSample, stride, target, v => v); break;
            case (RasterSampleFormat.SignedInteger, 32): Gather(MemoryMarshal.Cast<byte, int>(block), firstSample, stride, target, v => v); break;
            case (RasterSampleFormat.IeeeFloat, 32): Gather(MemoryMarshal.Cast<byte, float>(block), firstSample, stride, target, v => v); break;
            case (RasterSampleFormat.IeeeFloat, 64): Gather(MemoryMarshal.Cast<byte, double>(block), firstSample, stride, target, v => (float)v); break;
            default: throw new NotSupportedException($"{bits}-bit {format} samples are not supported.");
        }
    }

    private static void Gather<T>(ReadOnlySpan<T> samples, int first, int stride, Span<float> target, Func<T, float> convert) where T : struct
    {
        for (int i = 0; i < target.Length; i++) target[i] = convert(samples[first + i * stride]);
    }
}
