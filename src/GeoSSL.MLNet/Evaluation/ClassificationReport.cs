using System.Globalization;
using System.Text;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Evaluation;

/// <summary>Precision, recall and F1 of one class; <see cref="Support"/> is its number of true examples.</summary>
public sealed record ClassScore(string Name, double Precision, double Recall, double F1, long Support);

/// <summary>
/// Top-1 (micro) accuracy, macro accuracy (mean per-class recall, as ML.NET defines it), macro-F1 (the paper's F1) and
/// a per-class table, all from one confusion matrix. ML.NET's metrics have no F1; this computes it from their matrix.
/// </summary>
public sealed record ClassificationReport(double MicroAccuracy, double MacroAccuracy, double MacroF1, long Count, IReadOnlyList<ClassScore> Classes)
{
    /// <param name="counts">counts[truth][predicted].</param>
    /// <param name="classNames">One name per row/column of <paramref name="counts"/>.</param>
    public static ClassificationReport FromConfusion(IReadOnlyList<IReadOnlyList<double>> counts, IReadOnlyList<string> classNames)
    {
        int k = counts.Count;
        if (classNames.Count != k) throw new ArgumentException($"{classNames.Count} class names for a {k}x{k} confusion matrix.", nameof(classNames));
        if (counts.Any(r => r.Count != k)) throw new ArgumentException("The confusion matrix must be square.", nameof(counts));
        double total = 0, correct = 0;
        var classes = new List<ClassScore>();
        for (int c = 0; c < k; c++)
        {
            double truePositive = counts[c][c];
            double support = counts[c].Sum();
            double predicted = Enumerable.Range(0, k).Sum(r => counts[r][c]);
            total += support;
            correct += truePositive;
            double precision = predicted > 0 ? truePositive / predicted : 0;
            double recall = support > 0 ? truePositive / support : 0;
            double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            classes.Add(new ClassScore(classNames[c], precision, recall, f1, (long)support));
        }
        if (total == 0) throw new ArgumentException("The confusion matrix is empty.", nameof(counts));
        // Classes that neither occur nor are predicted say nothing about the classifier (scikit-learn's convention).
        var present = classes.Where((s, c) => s.Support > 0 || Enumerable.Range(0, k).Any(r => counts[r][c] > 0)).ToList();
        var withSupport = classes.Where(s => s.Support > 0).ToList();
        return new ClassificationReport(correct / total, withSupport.Average(s => s.Recall), present.Average(s => s.F1), (long)total, classes);
    }

    /// <summary>From ML.NET's evaluation; <paramref name="classNames"/> are the label's key values in key order.</summary>
    public static ClassificationReport FromMetrics(MulticlassClassificationMetrics metrics, IReadOnlyList<string> classNames)
    {
        var m = metrics.ConfusionMatrix;
        var counts = m.Counts.Select(r => (IReadOnlyList<double>)r.ToList()).ToList();
        // ML.NET sizes the matrix by the key count; names come from the caller because the matrix only keeps slot names.
        return FromConfusion(counts, classNames.Count == counts.Count ? classNames : Enumerable.Range(0, counts.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList());
    }

    /// <summary>
    /// Runs <c>MulticlassClassification.Evaluate</c> on scored rows (a key label, Score, PredictedLabel) and adds macro-F1
    /// and the per-class table named by the label's key values.
    /// </summary>
    public static (ClassificationReport Report, MulticlassClassificationMetrics Metrics) Evaluate(Microsoft.ML.MLContext ml, Microsoft.ML.IDataView scored,
        string labelColumnName = "Label", string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel")
    {
        var metrics = ml.MulticlassClassification.Evaluate(scored, labelColumnName, scoreColumnName, predictedLabelColumnName);
        var label = scored.Schema[labelColumnName];
        var names = AreaLevelEvaluator.ClassNames(label, (int)((KeyDataViewType)label.Type).Count);
        return (FromMetrics(metrics, names), metrics);
    }

    /// <summary>From predicted and true class indices in [0, classNames.Count).</summary>
    public static ClassificationReport FromPredictions(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, IReadOnlyList<string> classNames)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"{truth.Count} true labels but {predicted.Count} predictions.", nameof(predicted));
        int k = classNames.Count;
        var counts = Enumerable.Range(0, k).Select(_ => new double[k]).ToArray();
        for (int i = 0; i < truth.Count; i++)
        {
            if ((uint)truth[i] >= k || (uint)predicted[i] >= k) throw new ArgumentOutOfRangeException(nameof(truth), $"Row {i}: class index outside [0, {k}).");
            counts[truth[i]][predicted[i]]++;
        }
        return FromConfusion(counts.Select(r => (IReadOnlyList<double>)r).ToList(), classNames);
    }

    /// <summary>A Markdown table: one row per class, then the averages.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| class | precision | recall | F1 | support |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var c in Classes)
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {c.Name} | {Percent(c.Precision, 1)} | {Percent(c.Recall, 1)} | {Percent(c.F1, 1)} | {c.Support} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| **top-1 {Percent(MicroAccuracy, 2)}, macro accuracy {Percent(MacroAccuracy, 2)}, macro-F1 {Percent(MacroF1, 2)}** | | | | {Count} |");
        return sb.ToString();
    }

    private static string Percent(double fraction, int decimals) => (fraction * 100).ToString("F" + decimals, CultureInfo.InvariantCulture) + "%";
}
