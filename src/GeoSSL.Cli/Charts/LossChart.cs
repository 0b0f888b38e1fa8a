using GeoSSL.Core.Engine;
using ScottPlot;

namespace GeoSSL.Cli.Charts;

/// <summary>
/// The loss curve of a run as a PNG: every step's loss (faint, at its fraction of an epoch), the epoch means of the loss and of
/// its named parts, validation loss where there is one, and for the geo pretext the chance level ln K (a geo loss above it
/// learned nothing about location).
/// </summary>
internal static class LossChart
{
    public static void Write(string path, TrainingResult result, string title, int? geoClusters = null)
    {
        var plot = new Plot();
        var epochs = result.Epochs;
        int stepsPerEpoch = epochs.Count > 0 ? Math.Max(1, result.StepLosses.Count / epochs.Count) : 1;
        if (result.StepLosses.Count > 0)
        {
            var xs = result.StepLosses.Select((_, i) => (i + 1) / (double)stepsPerEpoch).ToArray();
            var steps = plot.Add.ScatterLine(xs, result.StepLosses.Select(v => (double)v).ToArray());
            steps.LegendText = "loss per step";
            steps.Color = Colors.Gray.WithAlpha(0.5);
        }
        foreach (var metric in new[] { MetricNames.Loss, MetricNames.Contrastive, MetricNames.Geo })
        {
            var points = epochs.Where(e => !double.IsNaN(e.Metric(metric))).ToList();
            if (points.Count == 0 || (metric != MetricNames.Loss && points.All(e => e.Metric(metric) == 0))) continue;
            var line = plot.Add.Scatter(points.Select(e => (double)e.Epoch).ToArray(), points.Select(e => e.Metric(metric)).ToArray());
            line.LegendText = metric == MetricNames.Loss ? "loss (epoch mean)" : metric;
        }
        var validated = epochs.Where(e => e.ValidationMetric(MetricNames.Loss) is not null).ToList();
        if (validated.Count > 0)
        {
            var v = plot.Add.Scatter(validated.Select(e => (double)e.Epoch).ToArray(), validated.Select(e => e.ValidationMetric(MetricNames.Loss)!.Value).ToArray());
            v.LegendText = "validation loss";
        }
        if (geoClusters is > 1 && epochs.Any(e => e.Metric(MetricNames.Geo) > 0))
        {
            var chance = plot.Add.HorizontalLine(Math.Log(geoClusters.Value));
            chance.LegendText = $"ln K = ln {geoClusters} (geo chance level)";
            chance.LinePattern = LinePattern.Dashed;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.ShowLegend();
        plot.SavePng(path, 900, 540);
    }
}
