using GeoSSL.Core.Devices;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Classification;

/// <summary>Batched TorchSharp prediction with a <see cref="ResNetClassifier"/> (the reference the ONNX export is checked against).</summary>
public static class ClassifierInference
{
    /// <summary>
    /// Softmax probabilities [count][NumClasses] of planar 0..255 images (each C*H*W bytes, back to back), normalised with
    /// <paramref name="mean"/>/<paramref name="std"/> after scaling to 0..1. Runs in eval mode without gradients and restores the
    /// module's previous mode.
    /// </summary>
    public static float[][] PredictProbabilities(ResNetClassifier model, ReadOnlySpan<byte> planar, int count, int height, int width,
        float[] mean, float[] std, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        int c = model.EncoderOptions.InputChannels, imageBytes = c * height * width, k = model.NumClasses;
        if (planar.Length < (long)count * imageBytes) throw new ArgumentException($"Expected {count} images of {imageBytes} bytes.", nameof(planar));
        if (mean.Length != c || std.Length != c) throw new ArgumentException($"Mean and Std need {c} values.", nameof(mean));
        var modes = model.modules().Prepend(model).Select(m => (Module: m, m.training)).ToList(); // parents before children
        model.eval();
        try
        {
            var device = model.parameters().First().device;
            var result = new float[count][];
            using var _ = no_grad();
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batchSize, count - start);
                var x = tensor(planar.Slice(start * imageBytes, n * imageBytes).ToArray(), new long[] { n, c, height, width })
                    .to(device).to(ScalarType.Float32).div_(StableScalars.ByteRange);
                x = (x - tensor(mean, device: device).view(1, c, 1, 1)) / tensor(std, device: device).view(1, c, 1, 1);
                var flat = F.softmax(model.forward(x), 1).cpu().data<float>().ToArray();
                for (int i = 0; i < n; i++) result[start + i] = flat.AsSpan(i * k, k).ToArray();
            }
            return result;
        }
        finally
        {
            foreach (var (m, training) in modes) m.train(training); // train(bool) recurses, so children are set after their parents
        }
    }
}
