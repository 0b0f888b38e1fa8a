using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace GeoSSL.Core.Engine;

/// <summary>
/// Where the loop stands, for any task: enough to resume at the same epoch and step with the same epoch means and the same
/// early-stopping decisions. Owns the copy of the best epoch's weights that early stopping keeps (not serialised with the
/// rest: the checkpoint writes it as tensors).
/// </summary>
internal sealed class LoopState : IDisposable
{
    /// <summary>0-based epoch being trained (equals the number of epochs done when training is finished).</summary>
    public int Epoch { get; set; }
    /// <summary>Next 0-based step within <see cref="Epoch"/>.</summary>
    public long StepInEpoch { get; set; }
    public long GlobalStep { get; set; }

    /// <summary>Running metric sums of the current epoch (sample-weighted), the samples they cover and its training seconds.</summary>
    public Dictionary<string, double> EpochSums { get; set; } = new();
    public long EpochSamples { get; set; }
    public double EpochSeconds { get; set; }

    public List<TrainingEpoch> Epochs { get; set; } = new();
    /// <summary>Loss of every step so far, in order.</summary>
    public List<float> StepLosses { get; set; } = new();

    /// <summary>1-based epoch with the best validation score so far (first on ties); null before any validation.</summary>
    public int? BestEpoch { get; set; }
    public double BestScore { get; set; } = double.NegativeInfinity;
    /// <summary>Epochs in a row without a better validation score.</summary>
    public int EpochsSinceBest { get; set; }
    /// <summary>Early stopping ended the run; a resume trains nothing more.</summary>
    public bool EarlyStopped { get; set; }

    /// <summary>Copy of the model's state dict at <see cref="BestEpoch"/>, kept only with early stopping on.</summary>
    [JsonIgnore] public Dictionary<string, Tensor>? BestWeights { get; private set; }

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
