namespace GeoSSL.Core.Training;

/// <summary>What the loop reports every few steps and at the end of each epoch.</summary>
public sealed record PretrainProgress
{
    /// <summary>True for the end-of-epoch summary (losses averaged over the epoch).</summary>
    public bool IsEpochEnd { get; init; }
    /// <summary>1-based epoch.</summary>
    public int Epoch { get; init; }
    public int Epochs { get; init; }
    /// <summary>1-based step within the epoch.</summary>
    public long Step { get; init; }
    public long StepsPerEpoch { get; init; }
    public double Loss { get; init; }
    public double ContrastiveLoss { get; init; }
    public double GeoLoss { get; init; }
    public double LearningRate { get; init; }
    public double ImagesPerSecond { get; init; }
    public TimeSpan Elapsed { get; init; }
    /// <summary>Monitor (epoch ends where it ran): leave-one-out kNN top-1 on the monitor's labelled images.</summary>
    public double? KnnAccuracy { get; init; }
    /// <summary>Monitor: per-dimension std of normalised embeddings times sqrt(d); ≈1 spread out, ≈0 collapsed.</summary>
    public double? EmbeddingStd { get; init; }
    /// <summary>Images left out of the run because their files could not be read (only with a policy that skips them).</summary>
    public int SkippedImages { get; init; }

    public override string ToString() =>
        $"{(IsEpochEnd ? "epoch" : "step")} {Epoch}/{Epochs}{(IsEpochEnd ? "" : $" [{Step}/{StepsPerEpoch}]")}: loss {Loss:F4} " +
        $"(contrastive {ContrastiveLoss:F4}, geo {GeoLoss:F4}) lr {LearningRate:G3} {ImagesPerSecond:F1} img/s, {Elapsed.TotalSeconds:F1}s" +
        (EmbeddingStd is { } s ? $"; embedding std {s:F3}" : "") + (KnnAccuracy is { } k ? $", kNN top-1 {k:P1}" : "") +
        (SkippedImages > 0 ? $"; {SkippedImages} unreadable images skipped" : "");
}

/// <summary>Per-epoch averages kept in the result and in checkpoints.</summary>
/// <param name="KnnAccuracy">Monitor's leave-one-out kNN top-1, when it ran at this epoch with labels.</param>
/// <param name="EmbeddingStd">Monitor's normalised embedding std (≈1 spread out, ≈0 collapsed), when it ran.</param>
public sealed record EpochSummary(int Epoch, double Loss, double ContrastiveLoss, double GeoLoss, double LearningRate, double ImagesPerSecond, double Seconds,
    double? KnnAccuracy = null, double? EmbeddingStd = null);
