using GeoSSL.Core.Inference;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Input;

namespace GeoSSL.Core.Evaluation;

/// <summary>What <see cref="EncoderMonitor"/> measured: embedding spread and, with labels, leave-one-out kNN top-1.</summary>
internal sealed record EncoderHealth(double EmbeddingStd, double NormalizedEmbeddingStd, double? KnnAccuracy);

/// <summary>
/// Checks an encoder during training on a fixed set of images: the collapse statistic of its pooled features and,
/// when the images carry class labels, leave-one-out weighted kNN accuracy (each image classified by its k most
/// similar others). Images are planar raw samples at the training resolution (see <see cref="ImageInputSpec"/>), normalised like the training input.
/// </summary>
internal sealed class EncoderMonitor
{
    private readonly byte[] pixels;
    private readonly int[]? labels;
    private readonly int classes;

    /// <param name="planarImages">Images back to back, each <see cref="ImageInputSpec.ValuesPerImage"/> samples of the spec's type.</param>
    /// <param name="input">What the encoder takes; the images are at its size.</param>
    public EncoderMonitor(byte[] planarImages, int count, ImageInputSpec input, int[]? labels = null, int k = 20, double temperature = 0.07)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (count < 2) throw new ArgumentException("The monitor needs at least two images.", nameof(count));
        long bytes = (long)count * input.ValuesPerImage * input.BytesPerSample;
        if (planarImages.Length < bytes) throw new ArgumentException($"Expected {count} images of {input}: {bytes} bytes.", nameof(planarImages));
        if (labels is not null && labels.Length != count) throw new ArgumentException($"{count} images but {labels.Length} labels.", nameof(labels));
        pixels = planarImages; Count = count; Input = input;
        this.labels = labels; K = k; Temperature = temperature;
        classes = labels is null ? 0 : labels.Max() + 1;
    }

    public int Count { get; }
    /// <summary>What the images are and how they are normalised.</summary>
    public ImageInputSpec Input { get; }
    public int K { get; }
    public double Temperature { get; }
    public bool HasLabels => labels is not null;

    public EncoderHealth Evaluate(ResNetEncoder encoder)
    {
        var features = TorchFeaturizer.Featurize(encoder, pixels, Count, Input);
        var (std, normalized) = EmbeddingStatistics.Collapse(features);
        double? knn = null;
        if (labels is not null)
        {
            var predicted = KnnClassifier.Predict(features, labels, features, classes, K, Temperature, leaveOneOut: true);
            knn = predicted.Zip(labels).Count(p => p.First == p.Second) / (double)Count;
        }
        return new EncoderHealth(std, normalized, knn);
    }
}
