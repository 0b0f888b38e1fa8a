using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Mean ± sample standard deviation over seeds of a probe or ablation run whose rows differ only by "-seedN" in their
/// names (e.g. MoCoV2-seed1 ... MoCoV2-seed3 probed by <see cref="ProbeEncoders"/>): summary.md and summary.png with the
/// spread drawn as whiskers, so "beats it beyond the seed spread" can be read off.
/// </summary>
internal static partial class SeedSummary
{
    [GeneratedRegex(@"-seed\d+")]
    private static partial Regex SeedTag();

    public static int Run(BenchmarkArgs args)
    {
        string dir = Path.GetFullPath(args.Get("out", "runs/probe"));
        var results = AblationResults.FromJson(File.ReadAllText(Path.Combine(dir, "results.json")));
        var groups = results.Rows.GroupBy(r => SeedTag().Replace(r.Method, ""))
            .Select(g => (Name: g.Key, Linear: Stats(g.Select(r => r.LinearTop1 * 100)), Knn: Stats(g.Where(r => r.KnnTop1 is not null).Select(r => r.KnnTop1!.Value * 100))))
            .ToList();
        var md = new StringBuilder();
        md.AppendLine("| method | seeds | top-1 | kNN top-1 |").AppendLine("|---|---|---|---|");
        foreach (var g in groups)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {g.Name} | {g.Linear.N} | {g.Linear.Mean:F2} ± {g.Linear.Std:F2} | {(g.Knn.N > 0 ? $"{g.Knn.Mean:F2} ± {g.Knn.Std:F2}" : "-")} |");
        md.AppendLine().AppendLine("Top-1 of the linear probe (of the fine-tuned classifier for fine-tuning runs); mean ± sample standard deviation over the seeds, in %.");
        File.WriteAllText(Path.Combine(dir, "summary.md"), md.ToString());
        Draw(groups.Select(g => (g.Name, g.Linear)).ToList(), Path.Combine(dir, "summary.png"));
        Console.Write(md);
        return 0;
    }

    private readonly record struct Spread(int N, double Mean, double Std);

    private static Spread Stats(IEnumerable<double> values)
    {
        var v = values.ToList();
        if (v.Count == 0) return new Spread(0, double.NaN, double.NaN);
        double mean = v.Average();
        return new Spread(v.Count, mean, v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1)) : 0);
    }

    /// <summary>One horizontal bar per method (mean linear top-1) with a ±1 std whisker; the axis starts below the lowest whisker.</summary>
    private static void Draw(List<(string Name, Spread Linear)> rows, string path)
    {
        const int width = 1500, left = 720, right = 1460, rowHeight = 26, top = 60;
        int height = top + rows.Count * rowHeight + 60;
        double min = Math.Floor(rows.Min(r => r.Linear.Mean - r.Linear.Std) - 1), max = Math.Ceiling(rows.Max(r => r.Linear.Mean + r.Linear.Std) + 0.5);
        float X(double v) => (float)(left + (v - min) / (max - min) * (right - left));
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var title = new SKPaint { Color = SKColors.Black, TextSize = 18, IsAntialias = true };
        using var label = new SKPaint { Color = SKColors.Black, TextSize = 13, IsAntialias = true, TextAlign = SKTextAlign.Right };
        using var tick = new SKPaint { Color = SKColors.Gray, TextSize = 12, IsAntialias = true, TextAlign = SKTextAlign.Center };
        using var grid = new SKPaint { Color = new SKColor(0xdd, 0xdd, 0xdd), StrokeWidth = 1 };
        using var bar = new SKPaint { Color = new SKColor(0x1f, 0x77, 0xb4), Style = SKPaintStyle.Fill };
        using var whisker = new SKPaint { Color = SKColors.Black, StrokeWidth = 2, IsAntialias = true };
        canvas.DrawText("Top-1 (%) on the EuroSAT validation split; rows with several seeds: mean, whiskers ±1 std", 20, 30, title);
        for (double v = min; v <= max; v += Math.Max(1, Math.Round((max - min) / 10)))
        {
            canvas.DrawLine(X(v), top - 10, X(v), height - 40, grid);
            canvas.DrawText(v.ToString("F0", CultureInfo.InvariantCulture), X(v), height - 22, tick);
        }
        for (int i = 0; i < rows.Count; i++)
        {
            float y = top + i * rowHeight;
            var s = rows[i].Linear;
            canvas.DrawText(rows[i].Name.Length > 90 ? rows[i].Name[..90] : rows[i].Name, left - 10, y + 15, label);
            canvas.DrawRect(new SKRect(left, y + 3, X(s.Mean), y + rowHeight - 5), bar);
            float mid = y + rowHeight / 2f - 1;
            canvas.DrawLine(X(s.Mean - s.Std), mid, X(s.Mean + s.Std), mid, whisker);
            canvas.DrawLine(X(s.Mean - s.Std), mid - 5, X(s.Mean - s.Std), mid + 5, whisker);
            canvas.DrawLine(X(s.Mean + s.Std), mid - 5, X(s.Mean + s.Std), mid + 5, whisker);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
