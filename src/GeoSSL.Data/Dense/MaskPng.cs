using SkiaSharp;

namespace GeoSSL.Data.Dense;

/// <summary>Writes a mask or a probability map as an 8-bit grey PNG (atomically), for looking at and for re-reading as a mask.</summary>
internal static class MaskPng
{
    /// <summary>
    /// Class mask [H, W] of <paramref name="classCount"/> classes as grey, class k = round(255 k / (K-1)): 0/255 for a change
    /// mask, so it reads like OSCD's change.png. To keep the raw class values instead, pass <paramref name="classCount"/> = 256.
    /// </summary>
    public static void WriteMask(string path, ReadOnlySpan<byte> mask, int height, int width, int classCount = 2)
    {
        PngFile.CheckSize(height, width);
        PngFile.CheckLength(mask.Length, (long)height * width, nameof(mask));
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        var grey = new byte[mask.Length];
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] >= classCount) throw new ArgumentException($"Mask pixel ({i % width}, {i / width}) is {mask[i]}, not a class 0..{classCount - 1}.", nameof(mask));
            grey[i] = (byte)((mask[i] * 255 + (classCount - 1) / 2) / (classCount - 1));
        }
        Write(path, grey, height, width);
    }

    /// <summary>Probability map [H, W] in 0..1 as grey round(255 p), clamped; NaN is written as 0.</summary>
    public static void WriteProbability(string path, ReadOnlySpan<float> probability, int height, int width)
    {
        PngFile.CheckSize(height, width);
        PngFile.CheckLength(probability.Length, (long)height * width, nameof(probability));
        var grey = new byte[probability.Length];
        for (int i = 0; i < grey.Length; i++) grey[i] = PngFile.ToByte(probability[i], 1f);
        Write(path, grey, height, width);
    }

    private static void Write(string path, byte[] grey, int height, int width)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        grey.CopyTo(PngFile.Pixels(bitmap));
        PngFile.Write(path, bitmap);
    }
}
