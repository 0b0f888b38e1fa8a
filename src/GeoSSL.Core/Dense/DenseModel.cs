using GeoSSL.Core.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GeoSSL.Core.Dense;

/// <summary>
/// Per-pixel classifier: a <see cref="ResNetEncoder"/>, a <see cref="UNetDecoder"/> and a 1x1 conv to K class logits at
/// the input resolution. With <see cref="DenseModelOptions.Inputs"/> = 1 it segments one image; with 2 it is a siamese
/// change detector: the SAME encoder (one parameter set) encodes both dates, and each scale's features are fused
/// (<see cref="ChangeFusion"/>) before decoding. Input is normalised images (see <c>InputNormalizer</c>), as the classifier's.
/// <para>
/// State-dict keys follow segmentation_models_pytorch's Unet: <c>encoder.*</c> (torchvision ResNet names),
/// <c>decoder.blocks.{i}.conv{1,2}.{0,1}.*</c>, <c>segmentation_head.0.{weight,bias}</c>.
/// </para>
/// </summary>
internal sealed class DenseModel : Module<Tensor, Tensor>
{
    private readonly ResNetEncoder encoder;
    private readonly UNetDecoder decoder;
    // Field names become state-dict keys (RegisterComponents), hence smp's snake_case name here.
    private readonly Sequential segmentation_head;

    public DenseModelOptions Options { get; }

    /// <summary>The backbone (shared by both dates of a change model).</summary>
    public ResNetEncoder Encoder => encoder;

    /// <summary>The U-Net decoder.</summary>
    public UNetDecoder Decoder => decoder;

    /// <summary>The 1x1 classification conv, [K, decoder width, 1, 1] with bias.</summary>
    public Conv2d Head => (Conv2d)segmentation_head[0];

    public DenseModel(DenseModelOptions options) : base(nameof(DenseModel))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        encoder = new ResNetEncoder(options.Encoder);
        decoder = new UNetDecoder(options.SkipWidths(), options.DecoderWidths());
        segmentation_head = Sequential(Conv2d(decoder.OutputChannels, options.Classes, 1));
        using (no_grad())
        {
            // smp's initialize_head: Xavier-uniform weight, zero bias.
            init.xavier_uniform_(Head.weight);
            init.zeros_(Head.bias);
        }
        RegisterComponents();
        if (options.FreezeEncoder)
            foreach (var p in encoder.parameters()) p.requires_grad = false;
    }

    /// <summary>
    /// Training mode for the decoder and head; a frozen encoder stays in eval mode so its BatchNorm statistics do not move.
    /// </summary>
    public override void train(bool on = true)
    {
        base.train(on);
        if (Options.FreezeEncoder) encoder.eval();
    }

    /// <summary>
    /// Class logits [N, K, H, W]. For segmentation <paramref name="x"/> is [N, C, H, W]; for change detection it is the two
    /// dates stacked along channels, [N, 2C, H, W] (date 1 first), which lets sliding-window inference treat both cases alike.
    /// </summary>
    public override Tensor forward(Tensor x)
    {
        int c = Options.Encoder.InputChannels * Options.Inputs;
        if (x.dim() != 4 || x.shape[1] != c)
            throw new ArgumentException($"Expected normalised images [N, {c}, H, W], got [{string.Join(", ", x.shape)}].", nameof(x));
        using var scope = NewDisposeScope();
        if (Options.Inputs == 1) return Decode(encoder.ForwardStages(x), x.shape[2], x.shape[3]).MoveToOuterDisposeScope();
        var dates = x.chunk(2, 1);
        return Forward(dates[0], dates[1]).MoveToOuterDisposeScope();
    }

    /// <summary>Change logits [N, 2, H, W] for two normalised dates [N, C, H, W] each (two-input models only).</summary>
    public Tensor Forward(Tensor image1, Tensor image2)
    {
        if (Options.Inputs != 2) throw new InvalidOperationException("This model takes one image; use forward(x).");
        if (!image1.shape.SequenceEqual(image2.shape))
            throw new ArgumentException($"The dates differ in shape: [{string.Join(", ", image1.shape)}] and [{string.Join(", ", image2.shape)}].");
        using var scope = NewDisposeScope();
        var fused = FusedStages(image1, image2);
        return Decode(fused, image1.shape[2], image1.shape[3]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The per-scale fused features of two dates (stem, layer1-4) that the decoder reads. Both dates go through the encoder
    /// as one batch: the same weights by construction, and one pass instead of two (in training mode BatchNorm therefore
    /// normalises over both dates together).
    /// </summary>
    public IReadOnlyList<Tensor> FusedStages(Tensor image1, Tensor image2)
    {
        using var scope = NewDisposeScope();
        long n = image1.shape[0];
        var stages = encoder.ForwardStages(cat(new[] { image1, image2 }, 0));
        var fused = new List<Tensor>(stages.Count);
        foreach (var s in stages)
        {
            var f1 = s.narrow(0, 0, n);
            var f2 = s.narrow(0, n, n);
            fused.Add(Options.Fusion == ChangeFusion.Difference ? (f1 - f2).abs() : cat(new[] { f1, f2 }, 1));
        }
        foreach (var t in fused) t.MoveToOuterDisposeScope();
        return fused;
    }

    private Tensor Decode(IReadOnlyList<Tensor> stages, long height, long width)
    {
        using var scope = NewDisposeScope();
        return segmentation_head.forward(decoder.Forward(stages, height, width)).MoveToOuterDisposeScope();
    }

    /// <summary>Copies the weights and BatchNorm statistics of a (pretrained) encoder of the same shape into the backbone.</summary>
    public void LoadEncoderWeights(ResNetEncoder source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Options != encoder.Options)
            throw new ArgumentException($"The source encoder ({Classification.ResNetClassifier.Describe(source.Options)}) does not match this model's ({Classification.ResNetClassifier.Describe(encoder.Options)}).", nameof(source));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var from = source.state_dict();
        foreach (var (name, t) in encoder.state_dict()) t.copy_(from[name]);
    }

    /// <summary>Parameters that train: the decoder and head, plus the encoder unless frozen.</summary>
    public IEnumerable<Parameter> TrainableParameters() => parameters().Where(p => p.requires_grad);
}
