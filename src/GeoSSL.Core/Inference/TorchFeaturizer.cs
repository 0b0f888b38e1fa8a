using GeoSSL.Core.Input;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Input;
using static TorchSharp.torch;

namespace GeoSSL.Core.Inference;

/// <summary>Batched TorchSharp featurization of planar raw images (the reference the ONNX export is checked against).</summary>
internal static class TorchFeaturizer
{
    /// <param name="planar">Images back to back, each <see cref="ImageInputSpec.ValuesPerImage"/> samples of the spec's type (bytes, or float32 for other types).</param>
    /// <param name="input">What the encoder takes: the images are at its size and normalised by it.</param>
    /// <param name="head">Optional projection head applied after pooling.</param>
    /// <param name="pooledLayers">Stages whose pooled outputs are concatenated (see <see cref="ResNetEncoder.ForwardPooled"/>); null for layer4.</param>
    public static float[][] Featurize(ResNetEncoder encoder, ReadOnlySpan<byte> planar, int count, ImageInputSpec input,
        ProjectionHead? head = null, int batchSize = 64, int[]? pooledLayers = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (head is not null && pooledLayers is not null && !pooledLayers.SequenceEqual([4]))
            throw new ArgumentException("A projection head reads layer4's pooled features; pooledLayers must be null or [4] with a head.", nameof(pooledLayers));
        if (input.Channels != encoder.Options.InputChannels)
            throw new ArgumentException($"The input has {input.Channels} bands but the encoder takes {encoder.Options.InputChannels} channels.", nameof(input));
        int size = input.ValuesPerImage * input.BytesPerSample;
        if (planar.Length < (long)count * size) throw new ArgumentException($"Expected {count} images of {size} bytes.", nameof(planar));
        var normalizer = new InputNormalizer(input);
        bool wasTraining = encoder.training;
        encoder.eval();
        head?.eval();
        try
        {
            var device = encoder.parameters().First().device;
            var result = new float[count][];
            using var _ = no_grad();
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batchSize, count - start);
                var x = normalizer.Apply(planar.Slice(start * size, n * size), n, input.Height, input.Width, device);
                var f = pooledLayers is null ? encoder.forward(x) : encoder.ForwardPooled(x, pooledLayers);
                if (head is not null) f = head.forward(f);
                var flat = f.cpu().data<float>().ToArray();
                int d = (int)f.shape[1];
                for (int i = 0; i < n; i++) result[start + i] = flat.AsSpan(i * d, d).ToArray();
            }
            return result;
        }
        finally
        {
            if (wasTraining) { encoder.train(); head?.train(); }
        }
    }
}
