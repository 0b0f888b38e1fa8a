using System.Globalization;

namespace GeoSSL.Core.Engine;

/// <summary>What the loop reports every few steps and at each epoch end, for any task: named metrics instead of fixed fields.</summary>
internal sealed record TrainingProgress
{
    /// <summary>True for the end-of-epoch summary (training metrics averaged over the epoch, validation metrics filled in).</summary>
    public bool IsEpochEnd { get; init; }
    /// <summary>1-based epoch.</summary>
    public int Epoch { get; init; }
    public int Epochs { get; init; }
    /// <summary>1-based step within the epoch.</summary>
    public long Step { get; init; }
    public long StepsPerEpoch { get; init; }
    /// <summary>Training metrics: of the last step for step reports, the epoch's sample-weighted means at epoch ends ("loss" is always there).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    /// <summary>Validation metrics at epoch ends; null without validation data.</summary>
    public IReadOnlyDictionary<string, double>? Validation { get; init; }
    public double LearningRate { get; init; }
    /// <summary>Training samples per second (validation excluded).</summary>
    public double SamplesPerSecond { get; init; }
    public TimeSpan Elapsed { get; init; }
    /// <summary>Images left out of the run because their files could not be read (only with a policy that skips them).</summary>
    public int SkippedImages { get; init; }

    public double Loss => Metric(MetricNames.Loss);

    /// <summary>A training metric by name (<see cref="MetricNames"/>), NaN when the task does not report it.</summary>
    public double Metric(string name) => Metrics.TryGetValue(name, out var v) ? v : double.NaN;

    /// <summary>A validation metric by name, null when there was no validation or it lacks that metric.</summary>
    public double? ValidationMetric(string name) => Validation is not null && Validation.TryGetValue(name, out var v) ? v : null;

    public override string ToString() =>
        $"{(IsEpochEnd ? "epoch" : "step")} {Epoch}/{Epochs}{(IsEpochEnd ? "" : $" [{Step}/{StepsPerEpoch}]")}: " +
        string.Join(", ", Metrics.Select(m => $"{MetricNames.Label(m.Key)} {Format(m.Value)}")) +
        FormatValidation(Metrics, Validation) +
        $"; lr {LearningRate:G3}, {SamplesPerSecond:F1} samples/s, {Elapsed.TotalSeconds:F1}s" +
        (SkippedImages > 0 ? $"; {SkippedImages} unreadable images skipped" : "");

    /// <summary>
    /// Validation metrics as "val loss 0.3, val accuracy 0.91" where a training metric has the same name, and under their own
    /// label otherwise (e.g. the pretraining monitor's "kNN top-1").
    /// </summary>
    internal static string FormatValidation(IReadOnlyDictionary<string, double> training, IReadOnlyDictionary<string, double>? validation) =>
        validation is { Count: > 0 } v
            ? "; " + string.Join(", ", v.Select(m => $"{(training.ContainsKey(m.Key) ? "val " : "")}{MetricNames.Label(m.Key)} {Format(m.Value)}"))
            : "";

    internal static string Format(double v) => v.ToString(Math.Abs(v) >= 100 ? "F1" : "F4", CultureInfo.InvariantCulture);
}

/// <summary>One epoch of a run: training means, validation metrics, rate, throughput, seconds.</summary>
internal sealed record TrainingEpoch(int Epoch, IReadOnlyDictionary<string, double> Metrics, IReadOnlyDictionary<string, double>? Validation,
    double LearningRate, double SamplesPerSecond, double Seconds)
{
    public double Loss => Metric(MetricNames.Loss);

    /// <summary>A training metric's epoch mean by name (<see cref="MetricNames"/>), NaN when the task does not report it.</summary>
    public double Metric(string name) => Metrics.TryGetValue(name, out var v) ? v : double.NaN;

    /// <summary>A validation metric by name, null when this epoch was not validated or lacks that metric.</summary>
    public double? ValidationMetric(string name) => Validation is not null && Validation.TryGetValue(name, out var v) ? v : null;

    /// <summary>One readable line (the record's default prints the dictionaries' type names, not their metrics).</summary>
    public override string ToString() =>
        $"epoch {Epoch}: " + string.Join(", ", Metrics.Select(m => $"{MetricNames.Label(m.Key)} {TrainingProgress.Format(m.Value)}")) +
        TrainingProgress.FormatValidation(Metrics, Validation) +
        $"; lr {LearningRate:G3}, {SamplesPerSecond:F1} samples/s, {Seconds:F1}s";
}

/// <summary>What a run did.</summary>
/// <param name="BestEpoch">1-based epoch with the highest early-stopping metric on validation (first on ties); null without validation.</param>
/// <param name="Completed">True when training is over (all epochs, or early stopping); false when StopAfterEpochs stopped it first.</param>
internal sealed record TrainingResult(IReadOnlyList<TrainingEpoch> Epochs, IReadOnlyList<float> StepLosses, int? BestEpoch, bool EarlyStopped,
    bool RestoredBestWeights, bool Completed, TimeSpan Elapsed)
{
    /// <summary>The summary of <see cref="BestEpoch"/>; null without validation.</summary>
    public TrainingEpoch? Best => BestEpoch is { } b ? Epochs[b - 1] : null;
}

/// <summary>Per-run hooks of <see cref="TrainingLoop.Run"/>.</summary>
internal sealed record TrainingRunOptions
{
    /// <summary>CPU threads of libtorch (process-wide); null leaves the current count.</summary>
    public int? Threads { get; init; }
    /// <summary>Training checkpoint written during training and when cancelled; null writes none.</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>Write the checkpoint every this many epochs (and at the end of the run); 0 only at the end.</summary>
    public int CheckpointEveryNEpochs { get; init; } = 1;
    /// <summary>Also every this many steps within an epoch; 0 never.</summary>
    public int CheckpointEveryNSteps { get; init; }
    /// <summary>Checkpoint to continue from (same epoch and step); null starts fresh.</summary>
    public string? ResumeFrom { get; init; }
    /// <summary>Stop once this many epochs are done (after writing the checkpoint); null trains to the end.</summary>
    public int? StopAfterEpochs { get; init; }
    /// <summary>Validate (or monitor) after every this many epochs and after the run's last; 1 every epoch.</summary>
    public int ValidateEveryNEpochs { get; init; } = 1;
    public IProgress<TrainingProgress>? Progress { get; init; }
    /// <summary>Receives one line per epoch and the start and end of the run.</summary>
    public Action<string>? Log { get; init; }
    public CancellationToken CancellationToken { get; init; }
}
