using GeoSSL.Core.Input;
using GeoSSL.Data.Input;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Classification;

/// <summary>Batched TorchSharp prediction with a <see cref="ResNetClassifier"/> (the reference the ONNX export is checked against).</summary>
internal static class ClassifierInference
{
    /// <summary>
    /// Softmax probabilities [count][NumClasses] of planar raw images (each <see cref="ImageInputSpec.ValuesPerImage"/> samples,
    /// back to back) at the spec's size, normalised by <paramref name="input"/>. Runs in eval mode without gradients and restores
    /// the module's previous mode.
    /// </summary>
    public static float[][] PredictProbabilities(ResNetClassifier model, ReadOnlySpan<byte> planar, int count, ImageInputSpec input, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        int c = model.EncoderOptions.InputChannels, imageBytes = input.ValuesPerImage * input.BytesPerSample, k = model.NumClasses;
        if (input.Channels != c) throw new ArgumentException($"The input has {input.Channels} bands but the model takes {c} channels.", nameof(input));
        if (planar.Length < (long)count * imageBytes) throw new ArgumentException($"Expected {count} images of {imageBytes} bytes.", nameof(planar));
        var normalizer = new InputNormalizer(input);
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
                var x = normalizer.Apply(planar.Slice(start * imageBytes, n * imageBytes), n, input.Height, input.Width, device);
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
