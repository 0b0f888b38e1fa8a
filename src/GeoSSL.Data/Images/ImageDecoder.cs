using GeoSSL.Data.Records;
using SkiaSharp;

namespace GeoSSL.Data.Images;

/// <summary>
/// Decodes PNG/JPEG/WebP/BMP files to planar RGB bytes (C, H, W), resized to a fixed size when they differ.
/// Uses SkiaSharp, the same decoder as ML.NET's LoadImages, so training and featurization see the same pixels.
/// </summary>
public static class ImageDecoder
{
    public const int Channels = 3;

    /// <summary>Decodes <paramref name="path"/> into <paramref name="destination"/> (3*height*width bytes).</summary>
    public static void DecodeRgbPlanar(string path, int height, int width, Span<byte> destination, long? row = null)
    {
        if (!File.Exists(path))
            throw new GeoDataException($"{RowPrefix(row)}image file '{path}' does not exist.", row, filePath: path);
        SKBitmap? bitmap;
        try { bitmap = SKBitmap.Decode(path); }
        catch (Exception e) { throw new GeoDataException($"{RowPrefix(row)}image file '{path}' could not be read: {e.Message}", row, filePath: path, inner: e); }
        if (bitmap is null)
            throw new GeoDataException($"{RowPrefix(row)}image file '{path}' is not a readable image (PNG, JPEG, WebP, BMP or GIF).", row, filePath: path);
        using (bitmap) ToPlanar(bitmap, height, width, destination);
    }

    /// <summary>Converts decoded RGBA/BGRA pixels (any size) to planar RGB at the requested size.</summary>
    public static void FromInterleaved(ReadOnlySpan<byte> pixels, int srcWidth, int srcHeight, bool bgra, int height, int width, Span<byte> destination)
    {
        var info = new SKImageInfo(srcWidth, srcHeight, bgra ? SKColorType.Bgra8888 : SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        unsafe { pixels.Slice(0, info.BytesSize).CopyTo(new Span<byte>((void*)bitmap.GetPixels(), info.BytesSize)); }
        ToPlanar(bitmap, height, width, destination);
    }

    private static void ToPlanar(SKBitmap source, int height, int width, Span<byte> destination)
    {
        if (destination.Length < Channels * height * width) throw new ArgumentException("Destination is too small.", nameof(destination));
        var rgbaInfo = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        SKBitmap? converted = null;
        try
        {
            if (source.Width != width || source.Height != height)
                converted = source.Resize(rgbaInfo, SKFilterQuality.High) ?? throw new InvalidOperationException("Resize failed.");
            else if (source.ColorType != SKColorType.Rgba8888 || source.AlphaType != SKAlphaType.Unpremul)
            {
                converted = new SKBitmap(rgbaInfo);
                if (!source.CopyTo(converted, SKColorType.Rgba8888)) throw new InvalidOperationException("Pixel conversion failed.");
            }
            var px = (converted ?? source).GetPixelSpan();
            int plane = height * width;
            for (int i = 0; i < plane; i++)
            {
                destination[i] = px[4 * i];
                destination[plane + i] = px[4 * i + 1];
                destination[2 * plane + i] = px[4 * i + 2];
            }
        }
        finally { converted?.Dispose(); }
    }

    /// <summary>Reads just the size of an image (for choosing a default input size).</summary>
    public static (int Width, int Height) ReadSize(string path, long? row = null)
    {
        using var codec = File.Exists(path) ? SKCodec.Create(path) : null;
        if (codec is null) throw new GeoDataException($"{RowPrefix(row)}image file '{path}' does not exist or is not a readable image.", row, filePath: path);
        return (codec.Info.Width, codec.Info.Height);
    }

    private static string RowPrefix(long? row) => row is null ? "" : $"Row {row}: ";
}
