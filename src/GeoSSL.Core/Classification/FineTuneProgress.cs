namespace GeoSSL.Core.Classification;

/// <summary>What the fine-tuning loop reports every few steps and at the end of each epoch.</summary>
public sealed record FineTuneProgress
{
    /// <summary>True for the end-of-epoch summary (training numbers averaged over the epoch, validation numbers filled in).</summary>
    public bool IsEpochEnd { get; init; }
    /// <summary>1-based epoch.</summary>
    public int Epoch { get; init; }
    public int Epochs { get; init; }
    /// <summary>1-based step within the epoch.</summary>
    public long Step { get; init; }
    public long StepsPerEpoch { get; init; }
    /// <summary>Cross-entropy: of the last step for step reports, the epoch's mean for epoch reports.</summary>
    public double Loss { get; init; }
    /// <summary>Accuracy on the (augmented) training batches seen so far in the epoch.</summary>
    public double TrainAccuracy { get; init; }
    public double? ValidationLoss { get; init; }
    public double? ValidationAccuracy { get; init; }
    public double LearningRate { get; init; }
    /// <summary>Training images per second (validation excluded).</summary>
    public double ImagesPerSecond { get; init; }
    public TimeSpan Elapsed { get; init; }

    public override string ToString() =>
        $"{(IsEpochEnd ? "epoch" : "step")} {Epoch}/{Epochs}{(IsEpochEnd ? "" : $" [{Step}/{StepsPerEpoch}]")}: loss {Loss:F4} train acc {TrainAccuracy:P1}" +
        (ValidationAccuracy is { } va ? $", val loss {ValidationLoss:F4} val acc {va:P1}" : "") +
        $", lr {LearningRate:G3}, {ImagesPerSecond:F1} img/s, {Elapsed.TotalSeconds:F1}s";
}

/// <summary>Per-epoch numbers of a fine-tuning run.</summary>
public sealed record FineTuneEpoch(int Epoch, double TrainLoss, double TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy,
    double LearningRate, double ImagesPerSecond, double Seconds);

/// <summary>What a fine-tuning run did.</summary>
/// <param name="BestEpoch">1-based epoch with the highest validation accuracy (first on ties); null without a validation set.</param>
/// <param name="EarlyStopped">True when early stopping ended the run before the configured number of epochs.</param>
/// <param name="RestoredBestWeights">True when the model was reset to <paramref name="BestEpoch"/>'s weights at the end (early stopping on and the best epoch was not the last).</param>
public sealed record FineTuneResult(IReadOnlyList<FineTuneEpoch> Epochs, IReadOnlyList<float> StepLosses, int? BestEpoch,
    bool EarlyStopped, bool RestoredBestWeights, TimeSpan Elapsed)
{
    public FineTuneEpoch? Best => BestEpoch is { } b ? Epochs[b - 1] : null;

    /// <summary>
    /// True when training is over (every epoch done, or early stopping ended it); false when <see cref="FineTuneRunOptions.StopAfterEpochs"/>
    /// stopped it first, in which case the model keeps the last epoch's weights and the best ones are not restored yet.
    /// </summary>
    public bool Completed { get; init; } = true;
}

/// <summary>Per-run hooks of <see cref="FineTuner.Train"/>.</summary>
public sealed record FineTuneRunOptions
{
    /// <summary>CPU threads of libtorch (process-wide, see <see cref="Devices.CpuThreads"/>); null leaves the current count (every core by default).</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Training-state checkpoint (<see cref="FineTuneCheckpoint"/>) written during training and when cancelled; null writes none.
    /// It is for resuming, not the trained model (save that with <see cref="ClassifierCheckpoint"/>).
    /// </summary>
    public string? CheckpointPath { get; init; }
    /// <summary>Write the checkpoint every this many epochs (and at the end of the run). 0 disables periodic checkpoints.</summary>
    public int CheckpointEveryNEpochs { get; init; } = 1;
    /// <summary>Also write it every this many steps within an epoch; 0 disables.</summary>
    public int CheckpointEveryNSteps { get; init; }
    /// <summary>
    /// Checkpoint to continue from (same epoch and step; its weights replace any loaded starting weights); null starts fresh.
    /// With the same seed, data and thread count the resumed run ends as an uninterrupted one would.
    /// </summary>
    public string? ResumeFrom { get; init; }
    /// <summary>Stop (after writing a checkpoint, if a path is set) once this many epochs are done; null trains to the end.</summary>
    public int? StopAfterEpochs { get; init; }

    public IProgress<FineTuneProgress>? Progress { get; init; }
    /// <summary>Receives one line per epoch (and the start and end of the run).</summary>
    public Action<string>? Log { get; init; }
    public CancellationToken CancellationToken { get; init; }
}
