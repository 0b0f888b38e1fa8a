using GeoSSL.Core.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GeoSSL.Core.Contrastive;

/// <summary>
/// MoCo-v2 with the GASSL geo head: query encoder + MLP, momentum key encoder + MLP, a ring-buffer queue of
/// negatives, and a linear geo classifier on the 128-d query projection. Names follow the official code
/// (encoder_q, encoder_k, queue, queue_ptr) so its checkpoints can be mapped. As in MoCo's <c>builder.py</c>, the
/// objective lives with the model: <see cref="Forward"/> is one training step's loss (momentum update, keys, InfoNCE,
/// geo cross-entropy, enqueue).
/// </summary>
internal sealed class GeoMoco : Module
{
    private readonly ResNetEncoder encoder_q;
    private readonly ProjectionHead head_q;
    private readonly ResNetEncoder? encoder_k;
    private readonly ProjectionHead? head_k;
    private readonly Linear? geo_head;
    private Tensor? queue;
    private Tensor? queue_ptr;

    public MocoOptions Options { get; }

    public ResNetEncoder QueryEncoder => encoder_q;
    public ProjectionHead QueryHead => head_q;

    private Tensor Queue => get_buffer("queue") ?? throw new InvalidOperationException("No queue: geo-only model.");

    private Tensor QueuePtr => get_buffer("queue_ptr") ?? throw new InvalidOperationException("No queue: geo-only model.");

    /// <summary>Next queue slot to overwrite: the int64 buffer "queue_ptr", so it travels with the state dict (as in MoCo).</summary>
    public long QueuePointer
    {
        get => Options.Contrastive ? QueuePtr.item<long>() : 0;
        set
        {
            RequireContrastive();
            using var _ = no_grad();
            QueuePtr.fill_(value);
        }
    }

    public GeoMoco(MocoOptions options) : base(nameof(GeoMoco))
    {
        options.Validate();
        Options = options;
        int featureDim = options.Encoder.FeatureDimension;
        encoder_q = new ResNetEncoder(options.Encoder, "encoder_q");
        head_q = new ProjectionHead(featureDim, featureDim, options.ProjectionDimension);
        if (options.Contrastive)
        {
            encoder_k = new ResNetEncoder(options.Encoder, "encoder_k");
            head_k = new ProjectionHead(featureDim, featureDim, options.ProjectionDimension);
            CopyWeights(encoder_q, encoder_k);
            CopyWeights(head_q, head_k);
            foreach (var p in encoder_k.parameters().Concat(head_k.parameters())) p.requires_grad = false;
            using var _ = no_grad();
            queue = functional.normalize(randn(options.ProjectionDimension, options.QueueSize), dim: 0);
            queue_ptr = zeros(1, ScalarType.Int64);
        }
        if (options.GeoClasses > 0) geo_head = Linear(options.ProjectionDimension, options.GeoClasses);
        RegisterComponents(); // registers the queue fields as the buffers "queue" and "queue_ptr"
        queue = queue_ptr = null; // read them through Queue/QueuePtr: moving the module to a device replaces the buffers
    }

    /// <summary>Puts every BatchNorm of both encoders in eval mode (running statistics used and left unchanged).</summary>
    public void FreezeBatchNormStatistics()
    {
        foreach (var encoder in new[] { encoder_q, encoder_k })
            if (encoder is not null)
                foreach (var module in encoder.modules())
                    if (module is TorchSharp.Modules.BatchNorm2d bn) bn.eval();
    }

    /// <summary>
    /// Keeps the first <paramref name="stages"/> stages of both encoders fixed (1 = stem, 2 = stem + layer1, ... 4 = up to
    /// layer3): their parameters stop requiring gradients, so <see cref="TrainableParameters"/> leaves them out and backward
    /// stops there, and their BatchNorm layers stay in eval mode. Call again after <c>train()</c>, which resets the mode.
    /// </summary>
    public void FreezeLeadingStages(int stages)
    {
        foreach (var encoder in new[] { encoder_q, encoder_k })
            if (encoder is not null)
                foreach (var stage in encoder.LeadingStages(stages))
                {
                    foreach (var p in stage.parameters()) p.requires_grad = false;
                    foreach (var module in stage.modules().Prepend(stage))
                        if (module is TorchSharp.Modules.BatchNorm2d bn) bn.eval();
                }
    }

    /// <summary>Makes the key encoder and head equal to the query ones again (after loading starting weights into the query side).</summary>
    public void SyncKeyEncoder()
    {
        if (encoder_k is null || head_k is null) return;
        CopyWeights(encoder_q, encoder_k);
        CopyWeights(head_q, head_k);
    }

    private static void CopyWeights(Module from, Module to)
    {
        using var _ = no_grad();
        var src = from.state_dict();
        foreach (var (name, t) in to.state_dict()) t.copy_(src[name]);
    }

    /// <summary>Per parameter of <see cref="TrainableParameters"/>: 1 for the query side, <paramref name="geoHeadScale"/> for the geo head.</summary>
    public IReadOnlyList<double> TrainableParameterScales(double geoHeadScale)
    {
        int query = encoder_q.parameters().Count(p => p.requires_grad) + head_q.parameters().Count();
        int geo = geo_head?.parameters().Count() ?? 0;
        return Enumerable.Repeat(1.0, query).Concat(Enumerable.Repeat(geoHeadScale, geo)).ToList();
    }

    /// <summary>Parameters the optimiser updates (query side and geo head).</summary>
    public IEnumerable<Parameter> TrainableParameters()
    {
        var ps = encoder_q.parameters().Where(p => p.requires_grad).Concat(head_q.parameters());
        return geo_head is null ? ps : ps.Concat(geo_head.parameters());
    }

    /// <summary>
    /// Query side. BatchNorm statistics are computed per group of <paramref name="groups"/> contiguous chunks,
    /// matching the per-GPU statistics of the multi-GPU original. Returns pooled features and the unnormalised projection.
    /// </summary>
    public (Tensor Features, Tensor Projection) EncodeQuery(Tensor images, int groups)
    {
        using var scope = NewDisposeScope();
        var features = ForwardInGroups(encoder_q, images, groups);
        var projection = head_q.forward(features);
        return (features.MoveToOuterDisposeScope(), projection.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Key side, without gradients: momentum-updated encoder on a shuffled batch split into BatchNorm groups,
    /// so a query and its key never share batch statistics (single-device ShuffleBN). Returns L2-normalised keys
    /// in the original order.
    /// </summary>
    public Tensor EncodeKeys(Tensor images, long[] shuffle, int groups)
    {
        RequireContrastive();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var perm = tensor(shuffle, device: images.device);
        var unshuffle = argsort(perm);
        var k = head_k!.forward(ForwardInGroups(encoder_k!, images.index_select(0, perm), groups));
        return functional.normalize(k, dim: 1).index_select(0, unshuffle).MoveToOuterDisposeScope();
    }

    private static Tensor ForwardInGroups(ResNetEncoder encoder, Tensor images, int groups)
    {
        long n = images.shape[0];
        groups = (int)Math.Clamp(groups, 1, Math.Max(1, n / 2)); // BatchNorm needs 2+ samples per group
        if (groups == 1) return encoder.forward(images);
        using var scope = NewDisposeScope();
        var chunks = images.tensor_split(groups, 0).Select(c => encoder.forward(c)).ToArray();
        return cat(chunks, 0).MoveToOuterDisposeScope();
    }

    /// <summary>InfoNCE logits [N, 1+K]: the positive first, then the queue; divided by the temperature.</summary>
    public Tensor ContrastiveLogits(Tensor normalizedQueries, Tensor keys)
    {
        RequireContrastive();
        using var scope = NewDisposeScope();
        var positive = (normalizedQueries * keys).sum(1, keepdim: true);
        // A copy, as MoCo's builder does: the queue is overwritten (enqueue) before backward needs these negatives.
        var negative = normalizedQueries.matmul(Queue.detach().clone());
        return cat(new[] { positive, negative }, 1).div_(Options.Temperature).MoveToOuterDisposeScope();
    }

    /// <summary>Geo-class logits from the (unnormalised) query projection.</summary>
    public Tensor GeoLogits(Tensor projection)
    {
        if (geo_head is null) throw new InvalidOperationException("This model was built without a geo head (GeoClasses = 0).");
        return geo_head.forward(projection);
    }

    /// <summary>key = m * key + (1 - m) * query for every parameter of the key encoder and head.</summary>
    public void MomentumUpdate()
    {
        RequireContrastive();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double m = Options.Momentum;
        foreach (var (q, k) in encoder_q.parameters().Concat(head_q.parameters())
                     .Zip(encoder_k!.parameters().Concat(head_k!.parameters())))
        {
            // Frozen stages are equal on both sides; m*k + (1-m)*q would still drift them by rounding.
            if (!q.requires_grad) continue;
            k.mul_(m).add_(q, alpha: 1 - m);
        }
    }

    /// <summary>Writes keys into the ring buffer, wrapping around its end; works for any batch and queue size.</summary>
    public void Enqueue(Tensor keys)
    {
        RequireContrastive();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long k = Options.QueueSize;
        var kt = keys.detach().t();
        long n = kt.shape[1];
        if (n >= k) // more keys than slots: keep the newest K
        {
            Queue.copy_(kt.narrow(1, n - k, k));
            QueuePointer = 0;
            return;
        }
        long pointer = QueuePointer;
        long first = Math.Min(n, k - pointer);
        Queue.narrow(1, pointer, first).copy_(kt.narrow(1, 0, first));
        if (first < n) Queue.narrow(1, 0, n - first).copy_(kt.narrow(1, first, n - first));
        QueuePointer = (pointer + n) % k;
    }

    /// <summary>
    /// One training step's objective (MoCo's <c>forward</c> plus the GASSL geo term): queries from <paramref name="view1"/>;
    /// with the contrastive branch, the momentum update, keys from <paramref name="view2"/> shuffled by <paramref name="shuffle"/>
    /// across <paramref name="batchNormGroups"/> BatchNorm groups, InfoNCE against the queue, and the keys enqueued; with
    /// <paramref name="geoLabels"/>, cross-entropy of the geo head. Loss = contrastiveWeight x InfoNCE + geoWeight x geo.
    /// </summary>
    public MocoLosses Forward(Tensor view1, Tensor? view2, Tensor? geoLabels, long[] shuffle, int batchNormGroups, double contrastiveWeight, double geoWeight)
    {
        var (_, projection) = EncodeQuery(view1, batchNormGroups);
        Tensor loss = zeros(1, device: view1.device).squeeze();
        double contrastive = 0, geo = 0;
        if (Options.Contrastive && view2 is not null)
        {
            var q = functional.normalize(projection, dim: 1);
            MomentumUpdate();
            var keys = EncodeKeys(view2, shuffle, batchNormGroups);
            var logits = ContrastiveLogits(q, keys);
            var infoNce = functional.cross_entropy(logits, zeros(view1.shape[0], ScalarType.Int64, device: view1.device));
            contrastive = infoNce.item<float>();
            loss = loss + infoNce * contrastiveWeight;
            Enqueue(keys);
        }
        if (geoLabels is not null)
        {
            var geoLoss = functional.cross_entropy(GeoLogits(projection), geoLabels);
            geo = geoLoss.item<float>();
            loss = loss + geoLoss * geoWeight;
        }
        return new MocoLosses(loss, contrastive, geo);
    }

    /// <summary>A copy of the queue, [ProjectionDimension, QueueSize].</summary>
    public Tensor QueueSnapshot() { RequireContrastive(); return Queue.detach().clone(); }

    private void RequireContrastive()
    {
        if (!Options.Contrastive) throw new InvalidOperationException("This model was built for geo-only training and has no key encoder or queue.");
    }
}

/// <summary>A step's total loss (with its graph) and its two terms as numbers.</summary>
internal sealed record MocoLosses(Tensor Loss, double Contrastive, double Geo);
