using GeoSSL.Core.Dense;
using TrainingResult = GeoSSL.Core.Engine.TrainingResult;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Input;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>What the last <see cref="GeoChangeDetectionEstimator.Fit"/> did, and the trained detector as ONNX.</summary>
public sealed class GeoChangeDetectionReport
{
    private readonly byte[] onnx;

    internal GeoChangeDetectionReport(TrainingResult result, ChangeMetrics? validation, int trainingRows, int? validationRows, ResNetOptions encoder,
        ImageInputSpec input, byte[] onnx)
    {
        Result = result; Validation = validation; TrainingRows = trainingRows; ValidationRows = validationRows; Encoder = encoder; Input = input; this.onnx = onnx;
        Epochs = TrainingEpoch.From(result.Epochs);
    }

    internal TrainingResult Result { get; }
    /// <summary>Per epoch: training loss and pixel accuracy; validation "f1", "iou", "precision", "recall", "accuracy" and the tuned threshold when a validation set was given.</summary>
    public IReadOnlyList<TrainingEpoch> Epochs { get; }
    /// <summary>1-based epoch with the best validation F1 (its weights are the ones returned); null without a validation set.</summary>
    public int? BestEpoch => Result.BestEpoch;
    /// <summary>
    /// Change scores of the returned weights on the validation rows (per row, named "row N", and pooled over all pixels,
    /// threshold 0.5); null without a ValidationSet.
    /// </summary>
    internal ChangeMetrics? Validation { get; }
    /// <summary>Rows trained on.</summary>
    public int TrainingRows { get; }
    /// <summary>Rows of the validation set; null without one.</summary>
    public int? ValidationRows { get; }
    /// <summary>Encoder shape.</summary>
    internal ResNetOptions Encoder { get; }
    /// <summary>What each date input is: RGB samples 0..255 of ImageSize x ImageSize, and the normalisation inside the graph.</summary>
    internal ImageInputSpec Input { get; }

    /// <summary>
    /// The detector as ONNX: inputs "image1", "image2" float [N,3,S,S] (RGB 0..255, normalised inside), output "probabilities"
    /// float [N,2,S,S] (softmax; channel 1 = change).
    /// </summary>
    public byte[] DetectorOnnx => (byte[])onnx.Clone();

    /// <summary>Writes <see cref="DetectorOnnx"/> to a file (atomically).</summary>
    public void SaveDetectorAsOnnx(string path) => GeoSSL.Data.Files.AtomicFile.WriteAllBytes(path, onnx);
}
