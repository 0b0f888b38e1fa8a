using SkiaSharp;

namespace GeoSSL.Benchmarks;

/// <summary>
/// The change benchmark's figure: test F1 per encoder, one bar per mode at the mean over seeds and one dot per seed, so the
/// spread between seeds is seen next to the differences between encoders.
/// </summary>
internal static class ChangeChart
{
    private static readonly SKColor[] ModeColours = [new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c)];

    public static void Write(IReadOnlyList<(string Encoder, string Mode, double F1)> rows, string path)
    {
        var encoders = rows.Select(r => r.Encoder).Distinct().ToList();
        var modes = rows.Select(r => r.Mode).Distinct().ToList();
        if (encoders.Count == 0) return;
        const int height = 560, left = 70, top = 50, bottom = 140;
        int group = 40 + 36 * modes.Count, width = Math.Max(760, left + 200 + group * encoders.Count);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 14 };
        using var axis = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, IsAntialias = true };
        double max = Math.Max(0.05, Math.Ceiling(rows.Where(r => double.IsFinite(r.F1)).Select(r => r.F1).DefaultIfEmpty(0).Max() * 10 + 0.5) / 10);
        float plotBottom = height - bottom, plotHeight = plotBottom - top;
        float Y(double f1) => plotBottom - (float)(f1 / max) * plotHeight;
        canvas.DrawText("OSCD change detection: test F1 per encoder (bar = mean over seeds, dots = seeds)", left, 28, text);
        for (double t = 0; t <= max + 1e-9; t += 0.05)
        {
            canvas.DrawLine(left, Y(t), width - 20, Y(t), axis);
            canvas.DrawText(t.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), 20, Y(t) + 5, text);
        }
        for (int e = 0; e < encoders.Count; e++)
        {
            float x0 = left + 20 + e * group;
            for (int m = 0; m < modes.Count; m++)
            {
                var f1s = rows.Where(r => r.Encoder == encoders[e] && r.Mode == modes[m] && double.IsFinite(r.F1)).Select(r => r.F1).ToList();
                if (f1s.Count == 0) continue;
                using var fill = new SKPaint { Color = ModeColours[m % ModeColours.Length].WithAlpha(170), IsAntialias = true };
                using var dot = new SKPaint { Color = SKColors.Black, IsAntialias = true };
                float x = x0 + m * 36;
                canvas.DrawRect(new SKRect(x, Y(f1s.Average()), x + 30, plotBottom), fill);
                foreach (var f in f1s) canvas.DrawCircle(x + 15, Y(f), 3.5f, dot);
            }
            canvas.Save();
            canvas.Translate(x0 + 10, plotBottom + 12);
            canvas.RotateDegrees(30);
            canvas.DrawText(encoders[e], 0, 0, text);
            canvas.Restore();
        }
        for (int m = 0; m < modes.Count; m++)
        {
            using var fill = new SKPaint { Color = ModeColours[m % ModeColours.Length].WithAlpha(170) };
            canvas.DrawRect(new SKRect(width - 160, top + m * 22, width - 145, top + m * 22 + 15), fill);
            canvas.DrawText(modes[m], width - 140, top + m * 22 + 13, text);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        GeoSSL.Data.Files.AtomicFile.WriteAllBytes(path, data.ToArray());
    }
}
