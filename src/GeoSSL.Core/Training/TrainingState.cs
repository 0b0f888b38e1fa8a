namespace GeoSSL.Core.Training;

/// <summary>Where the loop stands: enough to resume at the same epoch and step with the same averages.</summary>
public sealed class TrainingState
{
    /// <summary>0-based epoch being trained (equals Epochs when training is finished).</summary>
    public int Epoch { get; set; }
    /// <summary>Next 0-based step within <see cref="Epoch"/>.</summary>
    public long StepInEpoch { get; set; }
    public long GlobalStep { get; set; }
    /// <summary>Running sums of the current epoch (loss, contrastive, geo) and its seconds so far.</summary>
    public double EpochLossSum { get; set; }
    public double EpochContrastiveSum { get; set; }
    public double EpochGeoSum { get; set; }
    public double EpochSeconds { get; set; }
    public List<EpochSummary> Epochs { get; } = new();
    /// <summary>Identity of the training rows (see PretrainRunOptions.DataFingerprint); null when the caller gave none.</summary>
    public string? DataFingerprint { get; set; }
    /// <summary>Total loss of every step so far, in order.</summary>
    public List<float> StepLosses { get; } = new();
}
