using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Dense;

/// <summary>
/// Whole-image prediction with a dense model trained on small windows: the image is covered by windows of
/// <see cref="Window"/> pixels every <see cref="Stride"/> pixels (the last row and column of windows moved back to end at
/// the border, so every window lies inside), each window's softmax probabilities are computed in eval mode without
/// gradients, a few windows per forward pass, and overlapping windows are averaged per pixel. With
/// <see cref="SmoothWeights"/> a window's pixels are weighted by a tent that is highest at its centre, which
/// suppresses the seams of predictions near window edges where the network sees less context.
/// </summary>
internal sealed class SlidingWindowInference
{
    /// <summary>Window side in pixels (the model's training size).</summary>
    public int Window { get; }

    /// <summary>Step between windows; smaller than <see cref="Window"/> for overlap.</summary>
    public int Stride { get; }

    /// <summary>Windows per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>Weight pixels by distance from the window centre instead of uniformly.</summary>
    public bool SmoothWeights { get; }

    public SlidingWindowInference(int window, int stride, int batchSize = 16, bool smoothWeights = false)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be at least one pixel.");
        if (stride < 1 || stride > window) throw new ArgumentOutOfRangeException(nameof(stride), stride, "The stride must be between 1 and the window size, or pixels would be skipped.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        Window = window; Stride = stride; BatchSize = batchSize; SmoothWeights = smoothWeights;
    }

    /// <summary>Top-left offsets along one axis: 0, S, 2S, ... and a last window ending at the border.</summary>
    public static IReadOnlyList<int> Offsets(int length, int window, int stride)
    {
        if (length < window) throw new ArgumentException($"The image ({length} px) is smaller than the window ({window} px).", nameof(length));
        var offsets = new List<int>();
        for (int o = 0; o + window < length; o += stride) offsets.Add(o);
        offsets.Add(length - window);
        return offsets;
    }

    /// <summary>
    /// Class probabilities [K, H, W] (on the image's device) of a normalised image [C, H, W], where C is what
    /// <paramref name="model"/> takes: for a two-input <see cref="DenseModel"/>, the two dates stacked along channels.
    /// The model must map [n, C, h, w] to logits [n, K, h, w]. Its training flag is restored afterwards.
    /// </summary>
    public Tensor PredictProbabilities(nn.Module<Tensor, Tensor> model, Tensor image)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (image.dim() != 3) throw new ArgumentException($"Expected one image [C, H, W], got [{string.Join(", ", image.shape)}].", nameof(image));
        int h = (int)image.shape[1], w = (int)image.shape[2];
        var rows = Offsets(h, Window, Stride);
        var cols = Offsets(w, Window, Stride);
        var origins = rows.SelectMany(r => cols.Select(c => (r, c))).ToList();

        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var weight = WindowWeights(image.device);
            Tensor? sum = null;
            var coverage = zeros(new long[] { h, w }, device: image.device);
            for (int start = 0; start < origins.Count; start += BatchSize)
            {
                var batch = origins.Skip(start).Take(BatchSize).ToList();
                var windows = stack(batch.Select(o => image.narrow(1, o.r, Window).narrow(2, o.c, Window)).ToArray());
                var logits = model.forward(windows);
                if (logits.dim() != 4 || logits.shape[0] != batch.Count || logits.shape[2] != Window || logits.shape[3] != Window)
                    throw new InvalidOperationException($"The model returned [{string.Join(", ", logits.shape)}] for {batch.Count} windows of {Window} px; expected [n, K, {Window}, {Window}].");
                var probabilities = F.softmax(logits, 1) * weight;
                sum ??= zeros(new long[] { logits.shape[1], h, w }, device: image.device);
                for (int i = 0; i < batch.Count; i++)
                {
                    var (r, c) = batch[i];
                    sum.narrow(1, r, Window).narrow(2, c, Window).add_(probabilities[i]);
                    coverage.narrow(0, r, Window).narrow(1, c, Window).add_(weight);
                }
            }
            return sum!.div_(coverage).MoveToOuterDisposeScope();
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Change probability per pixel, row-major float[H * W], for two normalised dates [C, H, W] and a two-input model.</summary>
    public float[] PredictChange(DenseModel model, Tensor image1, Tensor image2)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Options.Inputs != 2) throw new ArgumentException("Change prediction needs a two-input model.", nameof(model));
        if (!image1.shape.SequenceEqual(image2.shape))
            throw new ArgumentException($"The dates differ in shape: [{string.Join(", ", image1.shape)}] and [{string.Join(", ", image2.shape)}].");
        using var scope = NewDisposeScope();
        var probabilities = PredictProbabilities(model, cat(new[] { image1, image2 }, 0));
        return probabilities[1].cpu().contiguous().data<float>().ToArray();
    }

    // Uniform ones, or a separable tent (1 - |distance from centre| / (half window + 1)), positive everywhere so every
    // pixel has coverage even where only one window's edge reaches it.
    private Tensor WindowWeights(Device device)
    {
        if (!SmoothWeights) return ones(new long[] { Window, Window }, device: device);
        var profile = new float[Window];
        double centre = (Window - 1) / 2.0, half = Window / 2.0 + 1;
        for (int i = 0; i < Window; i++) profile[i] = (float)(1 - Math.Abs(i - centre) / half);
        var p = tensor(profile, device: device);
        return outer(p, p);
    }
}
