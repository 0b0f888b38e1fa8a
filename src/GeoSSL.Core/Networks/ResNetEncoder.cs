using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GeoSSL.Core.Networks;

/// <summary>
/// ResNet backbone in torchvision layout (conv1, bn1, relu, maxpool, layer1-4, avgpool) without the
/// classification fc, returning pooled features [N, FeatureDimension]. Parameter names equal torchvision's
/// so published state dicts map one to one (minus "fc.*").
/// </summary>
internal sealed class ResNetEncoder : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Module<Tensor, Tensor> maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;

    public ResNetOptions Options { get; }

    public int FeatureDimension => Options.FeatureDimension;

    public ResNetEncoder(ResNetOptions options, string name = "encoder") : base(name)
    {
        options.Validate();
        Options = options;
        int w = options.BaseWidth;
        conv1 = options.SmallInputStem
            ? Conv2d(options.InputChannels, w, 3, stride: 1, padding: 1, bias: false)
            : Conv2d(options.InputChannels, w, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(w);
        relu = ReLU();
        maxpool = options.SmallInputStem ? Identity() : MaxPool2d(3, stride: 2, padding: 1);
        var blocks = options.Blocks;
        long inPlanes = w;
        layer1 = MakeLayer(ref inPlanes, w, blocks[0], 1);
        layer2 = MakeLayer(ref inPlanes, w * 2, blocks[1], 2);
        layer3 = MakeLayer(ref inPlanes, w * 4, blocks[2], 2);
        layer4 = MakeLayer(ref inPlanes, w * 8, blocks[3], 2);
        avgpool = AdaptiveAvgPool2d(1);
        RegisterComponents();
        InitializeWeights();
    }

    private Sequential MakeLayer(ref long inPlanes, long planes, int count, long stride)
    {
        bool bottleneck = Options.Depth == ResNetDepth.ResNet50;
        var layers = new List<Module<Tensor, Tensor>>();
        for (int i = 0; i < count; i++)
        {
            long s = i == 0 ? stride : 1;
            layers.Add(bottleneck ? new Bottleneck(inPlanes, planes, s) : new BasicBlock(inPlanes, planes, s));
            inPlanes = planes * (bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion);
        }
        return Sequential(layers);
    }

    // torchvision's initialisation: Kaiming-normal (fan_out, relu) convs, BN weight 1 and bias 0.
    private void InitializeWeights()
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Conv2d conv) init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d bn) { init.ones_(bn.weight); init.zeros_(bn.bias); }
        }
    }

    /// <summary>
    /// Modules of the first <paramref name="count"/> stages, in forward order: stage 1 is the stem (conv1, bn1), stages 2-5
    /// are layer1-layer4. Used to keep early stages fixed while adapting pretrained weights.
    /// </summary>
    public IEnumerable<Module> LeadingStages(int count)
    {
        if (count is < 0 or > 5) throw new ArgumentOutOfRangeException(nameof(count), count, "A ResNet has 5 stages (stem, layer1-4).");
        Module[] stages = [conv1, bn1, layer1, layer2, layer3, layer4];
        // The stem is two modules; stage k > 1 is one layer.
        return count == 0 ? [] : stages.Take(count + 1);
    }

    /// <summary>Feature map before pooling, [N, C, h, w].</summary>
    public Tensor ForwardFeatureMap(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = layer4.forward(layer3.forward(layer2.forward(layer1.forward(Stem(x)))));
        return y.MoveToOuterDisposeScope();
    }

    private Tensor Stem(Tensor x) => maxpool.forward(StemActivation(x));

    // conv1-bn1-relu without the max-pool: the highest-resolution feature map, which dense decoders use as a skip.
    private Tensor StemActivation(Tensor x) => relu.forward(bn1.forward(conv1.forward(x)));

    /// <summary>
    /// Multi-scale feature maps for dense (per-pixel) heads, in order: the stem's activation (after conv1, bn1, relu,
    /// before the max-pool; stride 2, or 1 with <see cref="ResNetOptions.SmallInputStem"/>) and the outputs of layer1-layer4
    /// (strides 4, 8, 16, 32 with the standard stem; 1, 2, 4, 8 with the small one). Widths are <see cref="ResNetOptions.BaseWidth"/>
    /// for the stem and <see cref="ResNetOptions.StageWidth"/> for the layers. Same arithmetic as <see cref="forward"/> up to layer4.
    /// </summary>
    public IReadOnlyList<Tensor> ForwardStages(Tensor x)
    {
        using var scope = NewDisposeScope();
        var stem = StemActivation(x);
        var stages = new List<Tensor> { stem };
        var y = maxpool.forward(stem);
        foreach (var layer in new[] { layer1, layer2, layer3, layer4 })
        {
            y = layer.forward(y);
            stages.Add(y);
        }
        foreach (var t in stages) t.MoveToOuterDisposeScope();
        return stages;
    }

    /// <summary>
    /// Global-average-pooled outputs of the given residual stages (1-4, ascending), concatenated: [N, sum of widths].
    /// { 4 } is <see cref="forward"/>; { 3, 4 } adds layer3's mid-level channels, which linear probes on small
    /// land-cover patches find useful.
    /// </summary>
    public Tensor ForwardPooled(Tensor x, IReadOnlyList<int> layers)
    {
        ResNetOptions.ValidatePooledLayers(layers);
        using var scope = NewDisposeScope();
        var y = Stem(x);
        var pooled = new List<Tensor>();
        Sequential[] stages = [layer1, layer2, layer3, layer4];
        for (int i = 0; i < layers[^1]; i++)
        {
            y = stages[i].forward(y);
            if (layers.Contains(i + 1)) pooled.Add(y.mean(new long[] { 2, 3 }));
        }
        return cat(pooled, 1).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return avgpool.forward(ForwardFeatureMap(x)).flatten(1).MoveToOuterDisposeScope();
    }
}
