using GeoSSL.Core.Input;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Classification;

/// <summary>
/// Mean cross-entropy and accuracy of a classifier on labelled images, in batches, in eval mode without gradients: the
/// validation of <see cref="ClassificationTask"/> and <see cref="FineTuner.Evaluate"/> are the same computation, so the
/// accuracy that picks the best epoch is the one a caller measures afterwards.
/// </summary>
internal static class ClassifierEvaluation
{
    /// <summary>Leaves the model in eval mode.</summary>
    public static (double Loss, double Accuracy) Run(ResNetClassifier model, InputNormalizer normalizer, ILabeledImageSource data, int evaluationBatchSize, Device device)
    {
        model.eval();
        double lossSum = 0;
        long correct = 0;
        int imageBytes = data.Channels * data.Height * data.Width * data.BytesPerSample;
        int batch = Math.Min(evaluationBatchSize, data.Count);
        var buffer = new byte[batch * imageBytes];
        var labels = new long[batch];
        using var _ = no_grad();
        for (int start = 0; start < data.Count; start += batch)
        {
            int count = Math.Min(batch, data.Count - start);
            for (int i = 0; i < count; i++)
            {
                data.Image(start + i).CopyTo(buffer.AsSpan(i * imageBytes, imageBytes));
                labels[i] = data.Label(start + i);
            }
            using var scope = NewDisposeScope();
            var logits = model.forward(normalizer.Normalize(normalizer.ToUnitScale(buffer, count, data.Height, data.Width, device)));
            var y = tensor(labels.AsSpan(0, count).ToArray(), device: device);
            lossSum += F.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / data.Count, (double)correct / data.Count);
    }
}
