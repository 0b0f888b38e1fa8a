using System.Globalization;
using SkiaSharp;

namespace GeoSSL.Cli.Charts;

/// <summary>
/// A confusion matrix as a PNG heatmap: true class down, predicted class across, each cell shaded by its share of the true
/// class (small classes read as well as large ones) and labelled with its count.
/// </summary>
internal static class ConfusionChart
{
    public static void Write(string path, IReadOnlyList<IReadOnlyList<double>> counts, IReadOnlyList<string> classNames, string title)
    {
        int k = counts.Count;
        using var names = ChartCanvas.Text(12, SKTextAlign.Right);
        float margin = 40 + classNames.Select(n => names.MeasureText(n)).DefaultIfEmpty(0).Max();
        float cell = Math.Clamp(560f / Math.Max(k, 1), 28, 80);
        int side = (int)(margin + k * cell + 30);
        using var chart = new ChartCanvas(side, side + 10, title, left: margin, bottom: margin - 20, right: 30, top: 50);
        using var countText = ChartCanvas.Text(Math.Min(14, cell / 2.5f), SKTextAlign.Center);
        for (int truth = 0; truth < k; truth++)
        {
            double support = counts[truth].Sum();
            for (int predicted = 0; predicted < k; predicted++)
            {
                double share = support > 0 ? counts[truth][predicted] / support : 0;
                var rect = SKRect.Create(chart.Plot.Left + predicted * cell, chart.Plot.Top + truth * cell, cell, cell);
                // White to dark blue by share of the row.
                var colour = new SKColor((byte)(255 - 222 * share), (byte)(255 - 180 * share), (byte)(255 - 75 * share));
                using var fill = new SKPaint { Color = colour };
                chart.Canvas.DrawRect(rect, fill);
                countText.Color = share > 0.5 ? SKColors.White : SKColors.Black;
                chart.Canvas.DrawText(counts[truth][predicted].ToString("0", CultureInfo.InvariantCulture), rect.MidX, rect.MidY + countText.TextSize / 3, countText);
            }
            chart.Canvas.DrawText(classNames[truth], chart.Plot.Left - 6, chart.Plot.Top + (truth + 0.5f) * cell + 4, names);
        }
        using var below = ChartCanvas.Text(12, SKTextAlign.Right);
        for (int predicted = 0; predicted < k; predicted++)
        {
            chart.Canvas.Save();
            float x = chart.Plot.Left + (predicted + 0.5f) * cell, y = chart.Plot.Top + k * cell + 8;
            chart.Canvas.RotateDegrees(-60, x, y);
            chart.Canvas.DrawText(classNames[predicted], x, y + 4, below);
            chart.Canvas.Restore();
        }
        using var axis = ChartCanvas.Text(13, SKTextAlign.Center);
        chart.Canvas.DrawText("predicted →  (rows: true class)", chart.Plot.Left + k * cell / 2, 42, axis);
        chart.Save(path);
    }
}
