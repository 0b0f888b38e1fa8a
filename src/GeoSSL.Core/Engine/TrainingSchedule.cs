namespace GeoSSL.Core.Engine;

/// <summary>
/// The loop's own settings, the same for every task: optimiser (SGD with momentum and weight decay, PyTorch's formula),
/// linear warm-up then cosine decay per step, length, seed, reporting and early stopping.
/// </summary>
internal sealed record TrainingSchedule
{
    public int Epochs { get; init; } = 20;
    public double LearningRate { get; init; } = 0.01;
    public double SgdMomentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Epochs of linear warm-up before the cosine decay.</summary>
    public double WarmupEpochs { get; init; }
    /// <summary>Cosine decay to 0 over the run; false keeps the rate constant after warm-up.</summary>
    public bool CosineSchedule { get; init; } = true;
    /// <summary>Seed of the initial weights, the visiting order and every random choice of a step.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Report progress every this many steps (and at every epoch end); 0 for epoch ends only.</summary>
    public int ReportEveryNSteps { get; init; } = 10;
    /// <summary>
    /// Stop after this many epochs in a row without a higher <see cref="EarlyStoppingMetric"/> on the validation data, and return
    /// the best epoch's weights. Null or 0: off (the best epoch is still reported).
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>Validation metric (higher is better) that decides the best epoch, e.g. "accuracy" or "f1".</summary>
    public string EarlyStoppingMetric { get; init; } = "accuracy";

    internal bool EarlyStopping => EarlyStoppingPatience is > 0;

    /// <summary>Throws an ArgumentException naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Train for at least one epoch.");
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be zero or positive.");
        if (SgdMomentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(SgdMomentum), SgdMomentum, "Must be in [0, 1).");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Cannot be negative.");
        if (!(WarmupEpochs >= 0)) throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), WarmupEpochs, "Cannot be negative.");
        if (ReportEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(ReportEveryNSteps), ReportEveryNSteps, "Cannot be negative.");
        if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "Cannot be negative (0 or null turns early stopping off).");
        if (string.IsNullOrWhiteSpace(EarlyStoppingMetric)) throw new ArgumentException("Name the validation metric that decides the best epoch.", nameof(EarlyStoppingMetric));
    }
}
