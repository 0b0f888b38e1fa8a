using GeoSSL.Data.Records;
using SkiaSharp;

namespace GeoSSL.Data.Images;

/// <summary>
/// Decodes PNG/JPEG/WebP/BMP files to planar RGB bytes (C, H, W), resized to a fixed size when they differ: by default
/// the centred crop of the target's aspect ratio is scaled (<see cref="Input.ResizeMode.CenterCrop"/>, what ML.NET's
/// ResizeImages IsoCrop does in the featurizer), so training, featurizing and fine-tuning see the same part of a
/// non-square image. Uses SkiaSharp, the same decoder as ML.NET's LoadImages, so they also see the same pixels.
/// Grayscale, palette, 16-bit and CMYK files come out as RGB (grey gives R = G = B).
/// </summary>
internal static class ImageDecoder
{
    public const int Channels = 3;

    /// <summary>Decodes <paramref name="path"/> into <paramref name="destination"/> (3*height*width bytes).</summary>
    /// <exception cref="GeoDataException">The file is missing, empty, not an image, truncated or corrupt; the message names it (and the row).</exception>
    public static void DecodeRgbPlanar(string path, int height, int width, Span<byte> destination, long? row = null,
        Input.ResizeMode resize = Input.ResizeMode.CenterCrop)
    {
        using var bitmap = DecodeComplete(path, row);
        ToPlanar(bitmap, height, width, destination, resize);
    }

    /// <summary>
    /// SKBitmap.Decode(codec) as SkiaSharp 2.88 does it (premultiplied alpha, no colour-space conversion, so the pixels are
    /// ML.NET's), except that a partial decode is an error: SKBitmap.Decode accepts SKCodecResult.IncompleteInput and hands
    /// back a truncated PNG with its missing rows filled in, which would then be trained on as if it were a real image.
    /// </summary>
    private static SKBitmap DecodeComplete(string path, long? row)
    {
        using var codec = OpenCodec(path, row);
        var info = codec.Info;
        if (info.AlphaType == SKAlphaType.Unpremul) info.AlphaType = SKAlphaType.Premul;
        info.ColorSpace = null;
        var bitmap = new SKBitmap(info);
        SKCodecResult result;
        try { result = codec.GetPixels(info, bitmap.GetPixels()); }
        catch (Exception e)
        {
            bitmap.Dispose();
            throw Unreadable(path, row, $"could not be read: {e.Message}", e);
        }
        if (result == SKCodecResult.Success) return bitmap;
        bitmap.Dispose();
        throw Unreadable(path, row, result switch
        {
            SKCodecResult.IncompleteInput => "is truncated: its image data ends early (an interrupted copy or download?).",
            SKCodecResult.ErrorInInput => "has corrupt image data.",
            _ => $"could not be decoded (SkiaSharp: {result}).",
        });
    }

    /// <summary>Opens a decoder for the file, or fails with a message saying why there is none.</summary>
    private static SKCodec OpenCodec(string path, long? row)
    {
        if (!File.Exists(path)) throw Unreadable(path, row, "does not exist.");
        if (new FileInfo(path).Length == 0) throw Unreadable(path, row, "is empty (0 bytes).");
        SKCodec? codec;
        SKCodecResult result;
        try { codec = SKCodec.Create(path, out result); }
        catch (Exception e) { throw Unreadable(path, row, $"could not be read: {e.Message}", e); }
        return codec ?? throw Unreadable(path, row, $"is not a readable image (PNG, JPEG, WebP, BMP or GIF; SkiaSharp: {result}).");
    }

    private static GeoDataException Unreadable(string path, long? row, string what, Exception? inner = null) =>
        new($"{RowPrefix(row)}image file '{path}' {what}", row, filePath: path, inner: inner);

    /// <summary>Converts decoded RGBA/BGRA pixels (any size) to planar RGB at the requested size.</summary>
    public static void FromInterleaved(ReadOnlySpan<byte> pixels, int srcWidth, int srcHeight, bool bgra, int height, int width, Span<byte> destination,
        Input.ResizeMode resize = Input.ResizeMode.CenterCrop)
    {
        var info = new SKImageInfo(srcWidth, srcHeight, bgra ? SKColorType.Bgra8888 : SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        unsafe { pixels.Slice(0, info.BytesSize).CopyTo(new Span<byte>((void*)bitmap.GetPixels(), info.BytesSize)); }
        ToPlanar(bitmap, height, width, destination, resize);
    }

    private static void ToPlanar(SKBitmap source, int height, int width, Span<byte> destination, Input.ResizeMode resize)
    {
        if (destination.Length < Channels * height * width) throw new ArgumentException("Destination is too small.", nameof(destination));
        var rgbaInfo = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        SKBitmap? converted = null;
        try
        {
            if (source.Width != width || source.Height != height)
            {
                if (resize == Input.ResizeMode.CenterCrop && (long)source.Width * height != (long)source.Height * width)
                {
                    using var cropped = CentreCrop(source, height, width);
                    converted = new SKBitmap(rgbaInfo);
                    if (!cropped.CopyTo(converted, SKColorType.Rgba8888)) throw new InvalidOperationException("Pixel conversion failed.");
                }
                else converted = source.Resize(rgbaInfo, SKFilterQuality.High) ?? throw new InvalidOperationException("Resize failed.");
            }
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

    /// <summary>
    /// The image scaled to cover width x height and cut at the centre, drawn with the geometry of ML.NET's ResizeImages IsoCrop
    /// (single-precision scale, offsets and sizes truncated to whole pixels, high-quality filter), so a non-square image gives the
    /// featurizer's stock chain and this decoder the same pixels.
    /// </summary>
    private static SKBitmap CentreCrop(SKBitmap source, int height, int width)
    {
        float widthScale = (float)width / source.Width, heightScale = (float)height / source.Height;
        float scale = Math.Max(widthScale, heightScale);
        int x = heightScale < widthScale ? 0 : (int)((width - source.Width * scale) / 2);
        int y = heightScale < widthScale ? (int)((height - source.Height * scale) / 2) : 0;
        int w = (int)(source.Width * scale), h = (int)(source.Height * scale);
        var target = new SKBitmap(width, height, isOpaque: true);
        using var canvas = new SKCanvas(target);
        using var paint = new SKPaint { FilterQuality = SKFilterQuality.High };
        canvas.DrawBitmap(source, new SKRect(0, 0, source.Width, source.Height), new SKRect(x, y, x + w, y + h), paint);
        return target;
    }

    /// <summary>Reads just the size of an image (for choosing a default input size). Only the header is read: a truncated file passes.</summary>
    public static (int Width, int Height) ReadSize(string path, long? row = null)
    {
        using var codec = OpenCodec(path, row);
        return (codec.Info.Width, codec.Info.Height);
    }

    private static string RowPrefix(long? row) => row is null ? "" : $"Row {row}: ";
}
