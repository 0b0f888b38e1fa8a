namespace GeoSSL.MLNet;

/// <summary>One epoch of a GeoSSL training run: training means, validation metrics, learning rate, throughput, seconds.</summary>
public sealed class TrainingEpoch
{
    private readonly Core.Engine.TrainingEpoch epoch;

    internal TrainingEpoch(Core.Engine.TrainingEpoch epoch) => this.epoch = epoch;

    /// <summary>1-based epoch.</summary>
    public int Epoch => epoch.Epoch;
    /// <summary>Sample-weighted means of the training metrics over the epoch (<see cref="MetricNames"/>).</summary>
    public IReadOnlyDictionary<string, double> Metrics => epoch.Metrics;
    /// <summary>Validation (or encoder-monitor) metrics; null when this epoch was not validated.</summary>
    public IReadOnlyDictionary<string, double>? Validation => epoch.Validation;
    /// <summary>Learning rate at the epoch's end.</summary>
    public double LearningRate => epoch.LearningRate;
    /// <summary>Training samples per second.</summary>
    public double SamplesPerSecond => epoch.SamplesPerSecond;
    /// <summary>Wall time of the epoch.</summary>
    public double Seconds => epoch.Seconds;
    /// <summary>The loss minimised.</summary>
    public double Loss => epoch.Loss;

    /// <summary>A training metric's epoch mean by name (<see cref="MetricNames"/>), NaN when the trainer does not report it.</summary>
    public double Metric(string name) => epoch.Metric(name);

    /// <summary>A validation metric by name, null when this epoch was not validated or lacks that metric.</summary>
    public double? ValidationMetric(string name) => epoch.ValidationMetric(name);

    /// <inheritdoc />
    public override string ToString() => epoch.ToString();

    internal static IReadOnlyList<TrainingEpoch> From(IReadOnlyList<Core.Engine.TrainingEpoch> epochs) => epochs.Select(e => new TrainingEpoch(e)).ToList();
}
