namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>
/// Scores of the change class over all pixels of the rows (pooled, as OSCD reports them): precision, recall, F1, IoU and
/// overall accuracy; NaN where a ratio has no denominator (e.g. precision when nothing was predicted as change).
/// </summary>
/// <param name="Pixels">Pixels scored.</param>
/// <param name="ChangedPixels">Pixels that changed in truth.</param>
public sealed record ChangeDetectionMetrics(double Precision, double Recall, double F1, double IoU, double Accuracy, long Pixels, long ChangedPixels)
{
    internal static ChangeDetectionMetrics From(Core.Dense.BinaryConfusion c) =>
        new(c.Precision, c.Recall, c.F1, c.IoU, c.OverallAccuracy, c.Total, c.TruePositives + c.FalseNegatives);
}
