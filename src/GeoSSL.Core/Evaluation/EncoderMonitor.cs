using GeoSSL.Core.Inference;
using GeoSSL.Core.Networks;

namespace GeoSSL.Core.Evaluation;

/// <summary>What <see cref="EncoderMonitor"/> measured: embedding spread and, with labels, leave-one-out kNN top-1.</summary>
public sealed record EncoderHealth(double EmbeddingStd, double NormalizedEmbeddingStd, double? KnnAccuracy);

/// <summary>
/// Checks an encoder during training on a fixed set of images: the collapse statistic of its pooled features and,
/// when the images carry class labels, leave-one-out weighted kNN accuracy (each image classified by its k most
/// similar others). Images are planar RGB bytes at the training resolution, normalised like the training input.
/// </summary>
public sealed class EncoderMonitor
{
    private readonly byte[] pixels;
    private readonly int[]? labels;
    private readonly int classes;

    public EncoderMonitor(byte[] planarImages, int count, int height, int width, float[] mean, float[] std,
        int[]? labels = null, int k = 20, double temperature = 0.07, Augmentation.MeanImage? meanImage = null)
    {
        if (count < 2) throw new ArgumentException("The monitor needs at least two images.", nameof(count));
        if (planarImages.Length < (long)count * 3 * height * width) throw new ArgumentException($"Expected {count} images of 3x{height}x{width} bytes.", nameof(planarImages));
        if (labels is not null && labels.Length != count) throw new ArgumentException($"{count} images but {labels.Length} labels.", nameof(labels));
        pixels = planarImages; Count = count; Height = height; Width = width; Mean = mean; Std = std;
        this.labels = labels; MeanImage = meanImage; K = k; Temperature = temperature;
        classes = labels is null ? 0 : labels.Max() + 1;
    }

    public int Count { get; }
    public int Height { get; }
    public int Width { get; }
    public float[] Mean { get; }
    public float[] Std { get; }
    /// <summary>Per-pixel mean used instead of <see cref="Mean"/>, if any.</summary>
    public Augmentation.MeanImage? MeanImage { get; }
    public int K { get; }
    public double Temperature { get; }
    public bool HasLabels => labels is not null;

    public EncoderHealth Evaluate(ResNetEncoder encoder)
    {
        var features = TorchFeaturizer.Featurize(encoder, pixels, Count, Height, Width, Mean, Std, meanImage: MeanImage);
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
