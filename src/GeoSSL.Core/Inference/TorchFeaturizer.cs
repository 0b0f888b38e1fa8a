using GeoSSL.Core.Networks;
using static TorchSharp.torch;

namespace GeoSSL.Core.Inference;

/// <summary>Batched TorchSharp featurization of planar 0..255 images (the reference the ONNX export is checked against).</summary>
public static class TorchFeaturizer
{
    /// <param name="planar">Images back to back, each C*H*W bytes.</param>
    /// <param name="head">Optional projection head applied after pooling.</param>
    /// <param name="pooledLayers">Stages whose pooled outputs are concatenated (see <see cref="ResNetEncoder.ForwardPooled"/>); null for layer4.</param>
    public static float[][] Featurize(ResNetEncoder encoder, ReadOnlySpan<byte> planar, int count, int height, int width,
        float[] mean, float[] std, ProjectionHead? head = null, int batchSize = 64, Augmentation.MeanImage? meanImage = null, int[]? pooledLayers = null)
    {
        if (head is not null && pooledLayers is not null && !pooledLayers.SequenceEqual([4]))
            throw new ArgumentException("A projection head reads layer4's pooled features; pooledLayers must be null or [4] with a head.", nameof(pooledLayers));
        int c = encoder.Options.InputChannels, size = c * height * width;
        if (planar.Length < count * size) throw new ArgumentException($"Expected {count} images of {size} bytes.", nameof(planar));
        bool wasTraining = encoder.training;
        encoder.eval();
        head?.eval();
        try
        {
            var device = encoder.parameters().First().device;
            var result = new float[count][];
            var pixelMean = meanImage?.ResizedTo(height, width); // once, not per batch
            using var _ = no_grad();
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batchSize, count - start);
                var x = tensor(planar.Slice(start * size, n * size).ToArray(), new long[] { n, c, height, width })
                    .to(device).to(ScalarType.Float32).div_(255f);
                var m = pixelMean is not null
                    ? tensor(pixelMean.Values, new long[] { 1, c, height, width }, device: device)
                    : tensor(mean, device: device).view(1, c, 1, 1);
                x = (x - m) / tensor(std, device: device).view(1, c, 1, 1);
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
