using System.Globalization;
using GeoSSL.Data.Files;
using SkiaSharp;

namespace GeoSSL.Cli.Charts;

/// <summary>
/// A small plotting surface on SkiaSharp 2.88, the version GeoSSL.Data and ML.NET's image transforms are built against.
/// (ScottPlot 5.1 needs SkiaSharp 3, whose changed API breaks ML.NET 5.0.1's LoadImages/ExtractPixels in the same process.)
/// Axes with ticks and labels, polylines, markers, dashed lines, a legend, and PNG output through the library's writer.
/// </summary>
internal sealed class ChartCanvas : IDisposable
{
    public static readonly SKColor[] Palette =
        [new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c), new(0xd6, 0x27, 0x28), new(0x94, 0x67, 0xbd), new(0x8c, 0x56, 0x4b)];

    private readonly SKBitmap bitmap;
    public SKCanvas Canvas { get; }
    public SKRect Plot { get; }
    private readonly List<(string Label, SKColor Color, bool Dashed)> legend = [];
    private double xMin, xMax, yMin, yMax;

    public ChartCanvas(int width, int height, string title, float left = 70, float bottom = 50, float right = 20, float top = 40)
    {
        bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        Canvas = new SKCanvas(bitmap);
        Canvas.Clear(SKColors.White);
        Plot = new SKRect(left, top, width - right, height - bottom);
        using var paint = Text(16, SKTextAlign.Center);
        paint.FakeBoldText = true;
        Canvas.DrawText(title, width / 2f, 24, paint);
    }

    public static SKPaint Text(float size, SKTextAlign align = SKTextAlign.Left, SKColor? color = null) =>
        new() { Color = color ?? SKColors.Black, TextSize = size, IsAntialias = true, TextAlign = align, Typeface = SKTypeface.Default };

    public float X(double x) => Plot.Left + (float)((x - xMin) / (xMax - xMin)) * Plot.Width;
    public float Y(double y) => Plot.Bottom - (float)((y - yMin) / (yMax - yMin)) * Plot.Height;

    /// <summary>Sets the data range (padded 5% in y) and draws the frame, grid, tick labels and axis titles.</summary>
    public void Axes(double x0, double x1, double y0, double y1, string xLabel, string yLabel)
    {
        if (x1 <= x0) x1 = x0 + 1;
        if (y1 <= y0) { y0 -= 0.5; y1 += 0.5; }
        double pad = (y1 - y0) * 0.05;
        (xMin, xMax, yMin, yMax) = (x0, x1, y0 - pad, y1 + pad);
        using var grid = new SKPaint { Color = new SKColor(0xe0, 0xe0, 0xe0), StrokeWidth = 1 };
        using var frame = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var ticks = Text(11, SKTextAlign.Right);
        using var xticks = Text(11, SKTextAlign.Center);
        foreach (var v in Ticks(yMin, yMax))
        {
            Canvas.DrawLine(Plot.Left, Y(v), Plot.Right, Y(v), grid);
            Canvas.DrawText(v.ToString("G4", CultureInfo.InvariantCulture), Plot.Left - 6, Y(v) + 4, ticks);
        }
        foreach (var v in Ticks(xMin, xMax))
        {
            Canvas.DrawLine(X(v), Plot.Top, X(v), Plot.Bottom, grid);
            Canvas.DrawText(v.ToString("G4", CultureInfo.InvariantCulture), X(v), Plot.Bottom + 16, xticks);
        }
        Canvas.DrawRect(Plot, frame);
        using var label = Text(13, SKTextAlign.Center);
        Canvas.DrawText(xLabel, Plot.MidX, Plot.Bottom + 38, label);
        Canvas.Save();
        Canvas.RotateDegrees(-90, 18, Plot.MidY);
        Canvas.DrawText(yLabel, 18, Plot.MidY, label);
        Canvas.Restore();
    }

    public void Line(IReadOnlyList<double> xs, IReadOnlyList<double> ys, SKColor color, string label, bool markers = true, float width = 2)
    {
        using var stroke = new SKPaint { Color = color, StrokeWidth = width, Style = SKPaintStyle.Stroke, IsAntialias = true };
        using var dot = new SKPaint { Color = color, IsAntialias = true };
        for (int i = 1; i < xs.Count; i++) Canvas.DrawLine(X(xs[i - 1]), Y(ys[i - 1]), X(xs[i]), Y(ys[i]), stroke);
        if (markers) for (int i = 0; i < xs.Count; i++) Canvas.DrawCircle(X(xs[i]), Y(ys[i]), 3.5f, dot);
        legend.Add((label, color, false));
    }

    public void HorizontalLine(double y, SKColor color, string label)
    {
        using var dashed = new SKPaint { Color = color, StrokeWidth = 2, Style = SKPaintStyle.Stroke, PathEffect = SKPathEffect.CreateDash([8, 5], 0) };
        Canvas.DrawLine(Plot.Left, Y(y), Plot.Right, Y(y), dashed);
        legend.Add((label, color, true));
    }

    public void DrawLegend()
    {
        if (legend.Count == 0) return;
        using var text = Text(12);
        float width = legend.Max(l => text.MeasureText(l.Label)) + 40, height = legend.Count * 18 + 8;
        var box = new SKRect(Plot.Right - width - 8, Plot.Top + 8, Plot.Right - 8, Plot.Top + 8 + height);
        using var fill = new SKPaint { Color = SKColors.White.WithAlpha(230) };
        using var border = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke };
        Canvas.DrawRect(box, fill);
        Canvas.DrawRect(box, border);
        for (int i = 0; i < legend.Count; i++)
        {
            float y = box.Top + 14 + i * 18;
            using var stroke = new SKPaint { Color = legend[i].Color, StrokeWidth = 2, PathEffect = legend[i].Dashed ? SKPathEffect.CreateDash([5, 3], 0) : null };
            Canvas.DrawLine(box.Left + 6, y - 4, box.Left + 28, y - 4, stroke);
            Canvas.DrawText(legend[i].Label, box.Left + 34, y, text);
        }
    }

    public void Save(string path)
    {
        Canvas.Flush();
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException($"SkiaSharp could not encode '{path}' as PNG.");
        AtomicFile.Write(path, png.SaveTo);
    }

    /// <summary>About five round tick values (1, 2 or 5 times a power of ten) inside [min, max].</summary>
    private static IEnumerable<double> Ticks(double min, double max)
    {
        double raw = (max - min) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double v = Math.Ceiling(min / step) * step; v <= max + step * 1e-9; v += step) yield return Math.Abs(v) < step * 1e-9 ? 0 : v;
    }

    public void Dispose()
    {
        Canvas.Dispose();
        bitmap.Dispose();
    }
}
