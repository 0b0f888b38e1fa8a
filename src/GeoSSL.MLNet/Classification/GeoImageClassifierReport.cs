using TrainingResult = GeoSSL.Core.Engine.TrainingResult;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Input;

namespace GeoSSL.MLNet.Classification;

/// <summary>What the last <see cref="GeoImageClassifierTrainer.Fit"/> did, and the trained classifier as ONNX.</summary>
public sealed class GeoImageClassifierReport
{
    private readonly byte[] onnx;

    internal GeoImageClassifierReport(TrainingResult result, int trainingImages, int? validationImages, IReadOnlyList<string> classNames,
        ResNetOptions encoder, string? initialEncoderPath, int imageSize, ImageInputSpec input, byte[] onnx)
    {
        Result = result; TrainingImages = trainingImages; ValidationImages = validationImages; ClassNames = classNames;
        Encoder = encoder; InitialEncoderPath = initialEncoderPath; ImageSize = imageSize; Input = input; this.onnx = onnx;
        Epochs = TrainingEpoch.From(result.Epochs);
    }

    /// <summary>The training loop's own result (per-epoch metrics, step losses, timing).</summary>
    internal TrainingResult Result { get; }
    /// <summary>
    /// Per epoch: training metrics "loss" and "accuracy", validation metrics "loss" and "accuracy" (when a validation set was
    /// given; null otherwise), learning rate, images/s.
    /// </summary>
    public IReadOnlyList<TrainingEpoch> Epochs { get; }
    /// <summary>1-based epoch with the highest validation accuracy; null without a validation set.</summary>
    public int? BestEpoch => Result.BestEpoch;
    /// <summary>True when early stopping ended training before the configured number of epochs.</summary>
    public bool EarlyStopped => Result.EarlyStopped;
    /// <summary>True when the returned model has the best epoch's weights rather than the last epoch's.</summary>
    public bool RestoredBestWeights => Result.RestoredBestWeights;
    /// <summary>Rows trained on.</summary>
    public int TrainingImages { get; }
    /// <summary>Rows of the validation set; null without one.</summary>
    public int? ValidationImages { get; }
    /// <summary>The label's key values as text, in key order (= Score slot order).</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Backbone shape.</summary>
    internal ResNetOptions Encoder { get; }
    /// <summary>The pretraining checkpoint the backbone started from; null for random initialisation.</summary>
    public string? InitialEncoderPath { get; }
    /// <summary>Side in pixels the classifier takes.</summary>
    public int ImageSize { get; }
    /// <summary>
    /// What the classifier takes (bands, sample scale, per-band normalisation, size): the same contract the checkpoint and the
    /// ONNX metadata carry. For a tensor column, Mean/Std are the starting checkpoint's or the ones measured on the training rows.
    /// </summary>
    internal ImageInputSpec Input { get; }

    /// <summary>The classifier as ONNX: input "input" [N,C,S,S] planar raw samples (raw samples as in the training column); outputs "probabilities" [N,classes] and "label_index" int64 [N,1].</summary>
    public byte[] ClassifierOnnx => (byte[])onnx.Clone();

    /// <summary>Writes <see cref="ClassifierOnnx"/> to a file (atomically).</summary>
    public void SaveClassifierAsOnnx(string path)
    {
        GeoSSL.Data.Files.AtomicFile.WriteAllBytes(path, onnx);
    }
}
