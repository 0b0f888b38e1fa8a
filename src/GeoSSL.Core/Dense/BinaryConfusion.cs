namespace GeoSSL.Core.Dense;

/// <summary>
/// Pixel counts of a binary prediction against the truth, for the positive ("change") class. Ratios with a zero
/// denominator are <see cref="double.NaN"/> (undefined, not 0), so an image without change and without false alarms
/// does not count as a recall of 0 or 1; callers averaging per-city values should skip NaN. Pooled counts
/// (<see cref="ChangeMetrics.Overall"/>) are what change-detection papers report for OSCD.
/// </summary>
internal readonly record struct BinaryConfusion(long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives)
{
    public long Total => TruePositives + FalsePositives + FalseNegatives + TrueNegatives;

    /// <summary>TP / (TP + FP); NaN when nothing was predicted positive.</summary>
    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN); NaN when the truth has no positive pixel.</summary>
    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>2TP / (2TP + FP + FN), equal to the harmonic mean of precision and recall where both exist; NaN when prediction and truth are both empty.</summary>
    public double F1 => Ratio(2 * TruePositives, 2 * TruePositives + FalsePositives + FalseNegatives);

    /// <summary>Intersection over union of the positive class, TP / (TP + FP + FN); NaN when prediction and truth are both empty.</summary>
    public double IoU => Ratio(TruePositives, TruePositives + FalsePositives + FalseNegatives);

    /// <summary>(TP + TN) / total; NaN for no pixels.</summary>
    public double OverallAccuracy => Ratio(TruePositives + TrueNegatives, Total);

    public static BinaryConfusion operator +(BinaryConfusion a, BinaryConfusion b) =>
        new(a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives, a.FalseNegatives + b.FalseNegatives, a.TrueNegatives + b.TrueNegatives);

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? double.NaN : (double)numerator / denominator;
}
