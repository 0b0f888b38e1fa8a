using System.Globalization;
using ScottPlot;

namespace GeoSSL.Cli.Charts;

/// <summary>
/// A confusion matrix as a PNG heatmap: true class down, predicted class across, each cell coloured by its share of the true
/// class (so small classes are as readable as large ones) and labelled with its count. Cells are drawn as rectangles at known
/// coordinates so rows and labels cannot end up flipped against each other.
/// </summary>
internal static class ConfusionChart
{
    public static void Write(string path, IReadOnlyList<IReadOnlyList<double>> counts, IReadOnlyList<string> classNames, string title)
    {
        int k = counts.Count;
        var plot = new Plot();
        var colormap = new ScottPlot.Colormaps.Viridis();
        for (int truth = 0; truth < k; truth++)
        {
            double support = counts[truth].Sum();
            double y = k - 1 - truth; // first class at the top, as in a printed matrix
            for (int predicted = 0; predicted < k; predicted++)
            {
                double share = support > 0 ? counts[truth][predicted] / support : 0;
                var cell = plot.Add.Rectangle(predicted - 0.5, predicted + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colormap.GetColor(share);
                cell.LineColor = Colors.White;
                var label = plot.Add.Text(counts[truth][predicted].ToString("0", CultureInfo.InvariantCulture), predicted, y);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontColor = share > 0.5 ? Colors.Black : Colors.White;
            }
        }
        var positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, classNames.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Left.SetTicks(positions.Reverse().ToArray(), classNames.ToArray());
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.Title(title);
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.SavePng(path, 200 + 60 * Math.Max(k, 4), 200 + 60 * Math.Max(k, 4));
    }
}
