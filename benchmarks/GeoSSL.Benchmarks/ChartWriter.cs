using SkiaSharp;

namespace GeoSSL.Benchmarks;

/// <summary>
/// The benchmark's figure, drawn with SkiaSharp (already a dependency; ScottPlot 5 would pull SkiaSharp 3 under
/// ML.NET's image transforms, which are built on 2.88): training loss per epoch for each variant on the left, linear-probe
/// and kNN top-1 per method on the right.
/// </summary>
internal static class ChartWriter
{
    private static readonly SKColor[] Palette =
    [
        new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c), new(0xd6, 0x27, 0x28), new(0x94, 0x67, 0xbd),
        new(0x8c, 0x56, 0x4b), new(0xe3, 0x77, 0xc2), new(0x7f, 0x7f, 0x7f), new(0xbc, 0xbd, 0x22), new(0x17, 0xbe, 0xcf),
    ];

    public static void Write(AblationResults results, string path)
    {
        const int width = 1500, height = 720;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        // One colour per method in both panels.
        var colours = results.Rows.Select((r, i) => (r.Method, Palette[i % Palette.Length])).ToDictionary(p => p.Method, p => p.Item2);
        DrawLosses(canvas, new SKRect(70, 50, 700, 540), results.Rows.Where(r => r.Epochs.Count > 0).ToList(), colours);
        DrawBars(canvas, new SKRect(800, 50, 1470, 480), results.Rows);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static SKPaint Text(float size, SKTextAlign align = SKTextAlign.Left) => new()
    {
        Color = SKColors.Black, TextSize = size, IsAntialias = true, TextAlign = align, Typeface = SKTypeface.Default,
    };

    private static void DrawLosses(SKCanvas canvas, SKRect area, List<AblationRow> rows, Dictionary<string, SKColor> colours)
    {
        using var title = Text(18);
        canvas.DrawText("Pretraining loss per epoch", area.Left, area.Top - 20, title);
        if (rows.Count == 0) return;
        int maxEpoch = rows.Max(r => r.Epochs.Max(e => e.Epoch));
        double min = rows.Min(r => r.Epochs.Min(e => e.Loss)), max = rows.Max(r => r.Epochs.Max(e => e.Loss));
        if (max - min < 1e-9) max = min + 1;
        DrawAxes(canvas, area, 1, maxEpoch, min, max, "epoch", "loss");
        using var label = Text(13);
        for (int i = 0; i < rows.Count; i++)
        {
            var colour = colours[rows[i].Method];
            using var line = new SKPaint { Color = colour, StrokeWidth = 2.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var dot = new SKPaint { Color = colour, IsAntialias = true, Style = SKPaintStyle.Fill };
            using var pathLine = new SKPath();
            foreach (var (e, j) in rows[i].Epochs.Select((e, j) => (e, j)))
            {
                float x = area.Left + (float)((e.Epoch - 1) / Math.Max(1.0, maxEpoch - 1) * area.Width);
                float y = area.Bottom - (float)((e.Loss - min) / (max - min) * area.Height);
                if (j == 0) pathLine.MoveTo(x, y); else pathLine.LineTo(x, y);
                canvas.DrawCircle(x, y, 3.5f, dot);
            }
            canvas.DrawPath(pathLine, line);
            label.Color = colour;
            canvas.DrawText(rows[i].Method, area.Left + 10, area.Bottom + 50 + i * 16, label);
        }
    }

    private static void DrawBars(SKCanvas canvas, SKRect area, List<AblationRow> rows)
    {
        using var title = Text(18);
        canvas.DrawText("EuroSAT top-1 (validation split): linear probe (dark), kNN (light)", area.Left, area.Top - 20, title);
        if (rows.Count == 0) return;
        DrawAxes(canvas, area, 0, 0, 0, 100, "", "%");
        float slot = area.Width / rows.Count;
        using var label = Text(12, SKTextAlign.Right);
        using var value = Text(11, SKTextAlign.Center);
        for (int i = 0; i < rows.Count; i++)
        {
            var color = Palette[i % Palette.Length];
            float x0 = area.Left + i * slot + slot * 0.15f, w = slot * 0.35f;
            Bar(canvas, area, x0, w, rows[i].LinearTop1, color, value);
            if (rows[i].KnnTop1 is { } knn) Bar(canvas, area, x0 + w, w, knn, color.WithAlpha(110), value);
            canvas.Save();
            canvas.Translate(area.Left + i * slot + slot * 0.5f, area.Bottom + 12);
            canvas.RotateDegrees(-35);
            canvas.DrawText(rows[i].Method, 0, 0, label);
            canvas.Restore();
        }
    }

    private static void Bar(SKCanvas canvas, SKRect area, float x, float w, double fraction, SKColor color, SKPaint text)
    {
        float top = area.Bottom - (float)(fraction * area.Height);
        using var fill = new SKPaint { Color = color, Style = SKPaintStyle.Fill };
        canvas.DrawRect(new SKRect(x, top, x + w, area.Bottom), fill);
        canvas.DrawText((fraction * 100).ToString("F1", System.Globalization.CultureInfo.InvariantCulture), x + w / 2, top - 4, text);
    }

    private static void DrawAxes(SKCanvas canvas, SKRect area, int xMin, int xMax, double yMin, double yMax, string xLabel, string yLabel)
    {
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var grid = new SKPaint { Color = new SKColor(0xdd, 0xdd, 0xdd), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var tick = Text(12, SKTextAlign.Right);
        canvas.DrawLine(area.Left, area.Bottom, area.Right, area.Bottom, axis);
        canvas.DrawLine(area.Left, area.Top, area.Left, area.Bottom, axis);
        for (int i = 0; i <= 5; i++)
        {
            float y = area.Bottom - i * area.Height / 5;
            canvas.DrawLine(area.Left, y, area.Right, y, grid);
            canvas.DrawText((yMin + (yMax - yMin) * i / 5).ToString("G3", System.Globalization.CultureInfo.InvariantCulture), area.Left - 6, y + 4, tick);
        }
        using var name = Text(13);
        canvas.DrawText(yLabel, area.Left - 60, area.Top - 4, name);
        if (xMax > xMin)
        {
            using var xt = Text(12, SKTextAlign.Center);
            int step = Math.Max(1, (xMax - xMin) / 10);
            for (int e = xMin; e <= xMax; e += step)
                canvas.DrawText(e.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    area.Left + (float)((e - xMin) / (double)Math.Max(1, xMax - xMin) * area.Width), area.Bottom + 18, xt);
            canvas.DrawText(xLabel, area.Right - 40, area.Bottom + 34, name);
        }
    }
}
