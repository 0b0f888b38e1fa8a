using SkiaSharp;

namespace GeoSSL.Data.Dense;

/// <summary>
/// Pictures of a change prediction against the truth, as PNG written atomically: true positives green, false positives red,
/// false negatives magenta (not blue: blue vanishes over water and dark roofs), blended over the image; true negatives show
/// the image unchanged. Images are planar RGB [3, H, W], floats in 0..sampleMax (the scenes' PNG values: 255) or bytes;
/// masks are [H, W], non-zero = change.
/// </summary>
internal static class ChangeOverlay
{
    /// <summary>Colour of correctly found change.</summary>
    public static readonly (byte R, byte G, byte B) TruePositive = (0, 255, 0);
    /// <summary>Colour of predicted change where there is none.</summary>
    public static readonly (byte R, byte G, byte B) FalsePositive = (255, 0, 0);
    /// <summary>Colour of missed change.</summary>
    public static readonly (byte R, byte G, byte B) FalseNegative = (255, 0, 255);

    /// <summary>Panel layout: pixels between tiles.</summary>
    public const int PanelGap = 4;
    /// <summary>Panel layout: height of the title strip above the tiles.</summary>
    public const int PanelHeader = 16;
    /// <summary>Panel layout: height of the legend strip below the tiles.</summary>
    public const int PanelFooter = 20;

    /// <summary>
    /// Writes the image with TP/FP/FN pixels coloured: out = round((1 - opacity) image + opacity colour) per channel.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<float> rgb, int height, int width, ReadOnlySpan<byte> truth, ReadOnlySpan<byte> predicted,
        double opacity = 0.5, float sampleMax = 255f)
    {
        var rgba = Overlay(ToBytes(rgb, height, width, sampleMax), height, width, truth, predicted, opacity);
        using var bitmap = PngFile.FromRgba(rgba, width, height);
        PngFile.Write(path, bitmap);
    }

    /// <inheritdoc cref="Write(string, ReadOnlySpan{float}, int, int, ReadOnlySpan{byte}, ReadOnlySpan{byte}, double, float)"/>
    public static void Write(string path, ReadOnlySpan<byte> rgb, int height, int width, ReadOnlySpan<byte> truth, ReadOnlySpan<byte> predicted, double opacity = 0.5)
    {
        PngFile.CheckSize(height, width);
        PngFile.CheckLength(rgb.Length, 3L * height * width, nameof(rgb));
        var rgba = Overlay(rgb.ToArray(), height, width, truth, predicted, opacity);
        using var bitmap = PngFile.FromRgba(rgba, width, height);
        PngFile.Write(path, bitmap);
    }

    /// <summary>As <see cref="Write(string, ReadOnlySpan{float}, int, int, ReadOnlySpan{byte}, ReadOnlySpan{byte}, double, float)"/>,
    /// the prediction being <paramref name="probability"/> ≥ <paramref name="threshold"/>.</summary>
    public static void Write(string path, ReadOnlySpan<float> rgb, int height, int width, ReadOnlySpan<byte> truth, ReadOnlySpan<float> probability,
        float threshold, double opacity = 0.5, float sampleMax = 255f) =>
        Write(path, rgb, height, width, truth, Threshold(probability, threshold), opacity, sampleMax);

    /// <summary>1 where <paramref name="probability"/> ≥ <paramref name="threshold"/>, else 0 (NaN = 0).</summary>
    public static byte[] Threshold(ReadOnlySpan<float> probability, float threshold)
    {
        var mask = new byte[probability.Length];
        for (int i = 0; i < mask.Length; i++) mask[i] = (byte)(probability[i] >= threshold ? 1 : 0);
        return mask;
    }

    /// <summary>
    /// Writes a side-by-side panel: t1 | t2 | truth (white = change, on black) | prediction (TP green, FP red, FN magenta, on
    /// black), tiles <see cref="PanelGap"/> px apart below a <see cref="PanelHeader"/> px title strip, with a
    /// <see cref="PanelFooter"/> px legend strip (colour squares, and their names where a font is available).
    /// </summary>
    public static void WritePanel(string path, ReadOnlySpan<float> t1, ReadOnlySpan<float> t2, int height, int width,
        ReadOnlySpan<byte> truth, ReadOnlySpan<byte> predicted, float sampleMax = 255f)
    {
        var tiles = new[]
        {
            Overlay(ToBytes(t1, height, width, sampleMax), height, width, truth, truth, 0), // opacity 0: the plain image
            Overlay(ToBytes(t2, height, width, sampleMax), height, width, truth, truth, 0),
            Overlay(new byte[3 * height * width], height, width, truth, truth, 1, truthOnly: true),
            Overlay(new byte[3 * height * width], height, width, truth, predicted, 1),
        };
        int panelWidth = 4 * width + 3 * PanelGap, panelHeight = PanelHeader + height + PanelFooter;
        using var panel = new SKBitmap(new SKImageInfo(panelWidth, panelHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(panel))
        {
            canvas.Clear(new SKColor(40, 40, 40));
            using var text = new SKPaint { Color = SKColors.White, TextSize = 12, IsAntialias = true, Typeface = SKTypeface.Default };
            string[] titles = ["t1", "t2", "truth", "prediction"];
            for (int t = 0; t < tiles.Length; t++)
            {
                using var tile = PngFile.FromRgba(tiles[t], width, height);
                int x = t * (width + PanelGap);
                canvas.DrawBitmap(tile, x, PanelHeader);
                canvas.DrawText(titles[t], x + 2, PanelHeader - 4, text);
            }
            DrawLegend(canvas, text, PanelHeader + height + 4, panelWidth);
        }
        PngFile.Write(path, panel);
    }

    /// <summary>Colour squares with names; narrow panels get the short names, then the squares alone, so the colours always show.</summary>
    private static void DrawLegend(SKCanvas canvas, SKPaint text, int y, int panelWidth)
    {
        var colours = new[] { TruePositive, FalsePositive, FalseNegative };
        string[][] choices = [["true positive", "false positive", "false negative"], ["TP", "FP", "FN"], ["", "", ""]];
        float Advance(string name) => 16 + (name.Length == 0 ? 0 : MathF.Ceiling(text.MeasureText(name)) + 10);
        var names = choices.First(c => c.Sum(Advance) + 2 <= panelWidth || c[0].Length == 0);
        float x = 2;
        for (int i = 0; i < colours.Length; i++)
        {
            using var fill = new SKPaint { Color = new SKColor(colours[i].R, colours[i].G, colours[i].B) };
            canvas.DrawRect(x, y, 12, 12, fill);
            if (names[i].Length > 0) canvas.DrawText(names[i], x + 16, y + 11, text);
            x += Advance(names[i]);
        }
    }

    private static byte[] ToBytes(ReadOnlySpan<float> rgb, int height, int width, float sampleMax)
    {
        PngFile.CheckSize(height, width);
        PngFile.CheckLength(rgb.Length, 3L * height * width, nameof(rgb));
        if (!(sampleMax > 0)) throw new ArgumentOutOfRangeException(nameof(sampleMax), sampleMax, "Must be positive.");
        var bytes = new byte[rgb.Length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = PngFile.ToByte(rgb[i], sampleMax);
        return bytes;
    }

    /// <summary>Planar RGB bytes to interleaved RGBA with the error colours blended in; truthOnly paints truth in white.</summary>
    private static byte[] Overlay(byte[] rgb, int height, int width, ReadOnlySpan<byte> truth, ReadOnlySpan<byte> predicted, double opacity, bool truthOnly = false)
    {
        int plane = height * width;
        PngFile.CheckLength(truth.Length, plane, nameof(truth));
        PngFile.CheckLength(predicted.Length, plane, nameof(predicted));
        if (!(opacity >= 0 && opacity <= 1)) throw new ArgumentOutOfRangeException(nameof(opacity), opacity, "Must be 0..1.");
        var rgba = new byte[4 * plane];
        for (int i = 0; i < plane; i++)
        {
            byte r = rgb[i], g = rgb[plane + i], b = rgb[2 * plane + i];
            bool t = truth[i] != 0, p = predicted[i] != 0;
            (byte R, byte G, byte B)? colour = truthOnly ? (t ? ((byte)255, (byte)255, (byte)255) : null)
                : t && p ? TruePositive : p ? FalsePositive : t ? FalseNegative : null;
            if (colour is { } c)
            {
                r = Blend(r, c.R, opacity);
                g = Blend(g, c.G, opacity);
                b = Blend(b, c.B, opacity);
            }
            rgba[4 * i] = r;
            rgba[4 * i + 1] = g;
            rgba[4 * i + 2] = b;
            rgba[4 * i + 3] = 255;
        }
        return rgba;
    }

    private static byte Blend(byte image, byte colour, double opacity) =>
        (byte)Math.Round((1 - opacity) * image + opacity * colour, MidpointRounding.AwayFromZero);
}
