using System.Numerics;
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
            case (RasterSampleFormat.UnsignedInteger, 16): Gather(MemoryMarshal.Cast<byte, ushort>(block), firstSample, stride, target); break;
            case (RasterSampleFormat.SignedInteger, 16): Gather(MemoryMarshal.Cast<byte, short>(block), firstSample, stride, target); break;
            case (RasterSampleFormat.UnsignedInteger, 32): Gather(MemoryMarshal.Cast<byte, uint>(block), firstSample, stride, target); break;
            case (RasterSampleFormat.SignedInteger, 32): Gather(MemoryMarshal.Cast<byte, int>(block), firstSample, stride, target); break;
            case (RasterSampleFormat.IeeeFloat, 32): Gather(MemoryMarshal.Cast<byte, float>(block), firstSample, stride, target); break;
            case (RasterSampleFormat.IeeeFloat, 64): Gather(MemoryMarshal.Cast<byte, double>(block), firstSample, stride, target); break;
            default: throw new NotSupportedException($"{bits}-bit {format} samples are not supported.");
        }
    }

    // Generic math: the JIT compiles one loop per sample type, with no delegate call per sample.
    private static void Gather<T>(ReadOnlySpan<T> samples, int first, int stride, Span<float> target) where T : unmanaged, INumberBase<T>
    {
        for (int i = 0; i < target.Length; i++) target[i] = float.CreateTruncating(samples[first + i * stride]);
    }
}
