using GeoSSL.Data.Files;
using SkiaSharp;

namespace GeoSSL.Data.Dense;

/// <summary>Encodes bitmaps as PNG through <see cref="AtomicFile"/>, so a viewer or a crashed run never leaves a half-written picture.</summary>
internal static class PngFile
{
    public static void Write(string path, SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException($"SkiaSharp could not encode '{path}' as PNG.");
        AtomicFile.Write(path, data.SaveTo);
    }

    /// <summary>An opaque RGBA bitmap holding <paramref name="rgba"/> (4 bytes per pixel, row-major).</summary>
    public static SKBitmap FromRgba(ReadOnlySpan<byte> rgba, int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        rgba[..(4 * width * height)].CopyTo(Pixels(bitmap));
        return bitmap;
    }

    /// <summary>The bitmap's pixel memory, writable (SkiaSharp 2.88 only hands out a read-only span); rows are unpadded.</summary>
    public static unsafe Span<byte> Pixels(SKBitmap bitmap)
    {
        if (bitmap.RowBytes != bitmap.Width * bitmap.BytesPerPixel) throw new InvalidOperationException("Padded bitmap rows are not expected here.");
        return new Span<byte>((void*)bitmap.GetPixels(), bitmap.ByteCount);
    }

    /// <summary>A sample in 0..<paramref name="max"/> as a display byte, rounded and clamped (NaN = 0).</summary>
    public static byte ToByte(float value, float max)
    {
        float v = value / max * 255f;
        return v >= 255f ? (byte)255 : v > 0f ? (byte)MathF.Round(v, MidpointRounding.AwayFromZero) : (byte)0; // as the overlay's blend rounds
    }

    public static void CheckSize(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
    }

    public static void CheckLength(int length, long needed, string name)
    {
        if (length != needed) throw new ArgumentException($"{name} holds {length} values; the image needs {needed}.", name);
    }
}
