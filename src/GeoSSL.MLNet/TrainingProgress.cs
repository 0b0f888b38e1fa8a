namespace GeoSSL.MLNet;

/// <summary>
/// What a GeoSSL trainer reports every few steps and at each epoch end (pretraining, fine-tuning, change detection):
/// named metrics (<see cref="MetricNames"/>) rather than fixed fields, so every trainer reports through one type.
/// </summary>
public sealed class TrainingProgress
{
    private readonly Core.Engine.TrainingProgress progress;

    internal TrainingProgress(Core.Engine.TrainingProgress progress, double? geoChance = null)
    {
        this.progress = progress;
        GeoChance = geoChance;
    }

    /// <summary>
    /// Pretraining with the geo pretext: ln(clusters), the geo loss of a head that has learned nothing, to read
    /// <c>Metric(MetricNames.Geo)</c> against; null for other trainings.
    /// </summary>
    public double? GeoChance { get; }

    /// <summary>True for the end-of-epoch summary (training metrics averaged over the epoch, validation metrics filled in).</summary>
    public bool IsEpochEnd => progress.IsEpochEnd;
    /// <summary>1-based epoch.</summary>
    public int Epoch => progress.Epoch;
    /// <summary>Epochs of the run.</summary>
    public int Epochs => progress.Epochs;
    /// <summary>1-based step within the epoch.</summary>
    public long Step => progress.Step;
    /// <summary>Steps (batches) per epoch.</summary>
    public long StepsPerEpoch => progress.StepsPerEpoch;
    /// <summary>Training metrics: of the last step for step reports, the epoch's sample-weighted means at epoch ends ("loss" is always there).</summary>
    public IReadOnlyDictionary<string, double> Metrics => progress.Metrics;
    /// <summary>Validation metrics at epoch ends; null without validation data.</summary>
    public IReadOnlyDictionary<string, double>? Validation => progress.Validation;
    /// <summary>Learning rate of the step (or of the epoch's last step).</summary>
    public double LearningRate => progress.LearningRate;
    /// <summary>Training samples per second (validation excluded).</summary>
    public double SamplesPerSecond => progress.SamplesPerSecond;
    /// <summary>Time since the run started (or resumed).</summary>
    public TimeSpan Elapsed => progress.Elapsed;
    /// <summary>Images left out of the run because their files could not be read (only with a policy that skips them).</summary>
    public int SkippedImages => progress.SkippedImages;
    /// <summary>The loss minimised.</summary>
    public double Loss => progress.Loss;

    /// <summary>A training metric by name (<see cref="MetricNames"/>), NaN when the trainer does not report it.</summary>
    public double Metric(string name) => progress.Metric(name);

    /// <summary>A validation metric by name, null when there was no validation or it lacks that metric.</summary>
    public double? ValidationMetric(string name) => progress.ValidationMetric(name);

    /// <summary>One readable line, e.g. "step 2/10 [5/30]: loss 6.1, contrastive 5.2, geo 0.9; lr 0.03, 140.0 samples/s, 12.0s".</summary>
    public override string ToString() =>
        GeoChance is { } chance ? $"{progress} (geo chance {chance.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)})" : progress.ToString();

    /// <summary>Forwards the engine's reports to a user's <see cref="IProgress{T}"/> on the training thread (no posting to a context).</summary>
    /// <param name="skippedImages">Images the run left out, which the training loop does not know about.</param>
    /// <param name="geoChance">ln(clusters) for pretraining with the geo pretext.</param>
    internal static IProgress<Core.Engine.TrainingProgress>? Forward(IProgress<TrainingProgress>? user, int skippedImages = 0, double? geoChance = null) =>
        user is null ? null : new Forwarder(user, skippedImages, geoChance);

    private sealed class Forwarder(IProgress<TrainingProgress> user, int skippedImages, double? geoChance) : IProgress<Core.Engine.TrainingProgress>
    {
        public void Report(Core.Engine.TrainingProgress value) =>
            user.Report(new TrainingProgress(skippedImages > 0 ? value with { SkippedImages = skippedImages } : value, geoChance));
    }
}
