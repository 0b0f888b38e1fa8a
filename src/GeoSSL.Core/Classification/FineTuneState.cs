using static TorchSharp.torch;

namespace GeoSSL.Core.Classification;

/// <summary>
/// Where the fine-tuning loop stands: enough to resume at the same epoch and step with the same epoch averages and the
/// same early-stopping decisions. Owns the copy of the best epoch's weights that early stopping keeps.
/// </summary>
public sealed class FineTuneState : IDisposable
{
    /// <summary>0-based epoch being trained (equals the number of epochs done when training is finished).</summary>
    public int Epoch { get; set; }
    /// <summary>Next 0-based step within <see cref="Epoch"/>.</summary>
    public long StepInEpoch { get; set; }
    public long GlobalStep { get; set; }

    /// <summary>Running numbers of the current epoch: image-weighted loss sum, images seen, correct predictions, training seconds.</summary>
    public double EpochLossSum { get; set; }
    public long EpochSeen { get; set; }
    public long EpochCorrect { get; set; }
    public double EpochSeconds { get; set; }

    public List<FineTuneEpoch> Epochs { get; } = new();
    /// <summary>Loss of every step so far, in order.</summary>
    public List<float> StepLosses { get; } = new();

    /// <summary>1-based epoch with the highest validation accuracy so far (first on ties); null before any validation.</summary>
    public int? BestEpoch { get; set; }
    public double BestAccuracy { get; set; } = double.NegativeInfinity;
    /// <summary>Epochs in a row without a higher validation accuracy.</summary>
    public int EpochsSinceBest { get; set; }
    /// <summary>Early stopping ended the run; a resume trains nothing more.</summary>
    public bool EarlyStopped { get; set; }

    /// <summary>Copy of the model's state dict at <see cref="BestEpoch"/>, kept only when early stopping is on (it restores them at the end).</summary>
    public Dictionary<string, Tensor>? BestWeights { get; private set; }

    /// <summary>Replaces the kept best weights (disposing the previous copy); this state owns <paramref name="weights"/> from now on.</summary>
    public void KeepBestWeights(Dictionary<string, Tensor>? weights)
    {
        DisposeBestWeights();
        BestWeights = weights;
    }

    private void DisposeBestWeights()
    {
        if (BestWeights is null) return;
        foreach (var t in BestWeights.Values) t.Dispose();
        BestWeights = null;
    }

    public void Dispose() => DisposeBestWeights();
}
