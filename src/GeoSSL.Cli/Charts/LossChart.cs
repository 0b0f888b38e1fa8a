using GeoSSL.Core.Engine;
using SkiaSharp;

namespace GeoSSL.Cli.Charts;

/// <summary>
/// The loss curve of a run as a PNG: every step's loss (grey, at its fraction of an epoch), the epoch means of the loss and of
/// its named parts, validation loss where there is one, and for the geo pretext the chance level ln K (a geo loss at or above
/// it has learned nothing about location).
/// </summary>
internal static class LossChart
{
    public static void Write(string path, TrainingResult result, string title, int? geoClusters = null)
    {
        var epochs = result.Epochs;
        int stepsPerEpoch = epochs.Count > 0 ? Math.Max(1, result.StepLosses.Count / epochs.Count) : 1;
        var series = new List<(string Label, double[] X, double[] Y, bool Markers)>();
        if (result.StepLosses.Count > 0)
            series.Add(("loss per step", result.StepLosses.Select((_, i) => (i + 1) / (double)stepsPerEpoch).ToArray(),
                result.StepLosses.Select(v => (double)v).ToArray(), false));
        foreach (var metric in new[] { MetricNames.Loss, MetricNames.Contrastive, MetricNames.Geo })
        {
            var points = epochs.Where(e => double.IsFinite(e.Metric(metric))).ToList();
            if (points.Count == 0 || (metric != MetricNames.Loss && points.All(e => e.Metric(metric) == 0))) continue;
            series.Add((metric == MetricNames.Loss ? "loss (epoch mean)" : metric, points.Select(e => (double)e.Epoch).ToArray(), points.Select(e => e.Metric(metric)).ToArray(), true));
        }
        var validated = epochs.Where(e => e.ValidationMetric(MetricNames.Loss) is { } v && double.IsFinite(v)).ToList();
        if (validated.Count > 0)
            series.Add(("validation loss", validated.Select(e => (double)e.Epoch).ToArray(), validated.Select(e => e.ValidationMetric(MetricNames.Loss)!.Value).ToArray(), true));
        double? chance = geoClusters is > 1 && epochs.Any(e => e.Metric(MetricNames.Geo) > 0) ? Math.Log(geoClusters.Value) : null;

        var ys = series.SelectMany(s => s.Y).Where(double.IsFinite).Concat(chance is { } c ? [c] : []).DefaultIfEmpty(0).ToList();
        var xs = series.SelectMany(s => s.X).DefaultIfEmpty(1).ToList();
        using var chart = new ChartCanvas(900, 540, title);
        chart.Axes(Math.Min(0, xs.Min()), Math.Max(1, xs.Max()), ys.Min(), ys.Max(), "epoch", "loss");
        int colour = 0;
        foreach (var (label, x, y, markers) in series)
            chart.Line(x, y, label == "loss per step" ? new SKColor(0xa0, 0xa0, 0xa0) : ChartCanvas.Palette[colour++ % ChartCanvas.Palette.Length], label, markers, markers ? 2 : 1);
        if (chance is { } lnK) chart.HorizontalLine(lnK, ChartCanvas.Palette[4], $"ln K = ln {geoClusters} (geo chance level)");
        chart.DrawLegend();
        chart.Save(path);
    }
}
