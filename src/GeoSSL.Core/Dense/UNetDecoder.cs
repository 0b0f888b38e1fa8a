using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GeoSSL.Core.Dense;

/// <summary>
/// U-Net decoder over a ResNet's multi-scale features (<see cref="Networks.ResNetEncoder.ForwardStages"/>: stem, layer1-4).
/// Starting from layer4, each of the first four blocks upsamples (bilinear, align_corners=false) to the next shallower
/// stage's size, concatenates that stage as a skip and applies two 3x3 conv+BN+ReLU; the fifth block upsamples to the
/// output resolution without a skip. Returns [N, <see cref="OutputChannels"/>, H, W]; the 1x1 classification conv lives
/// in <see cref="DenseModel"/> as <c>segmentation_head.0</c>.
/// <para>
/// Parameter names follow segmentation_models_pytorch's <c>Unet</c> (as of smp 0.3): <c>blocks.{i}.conv1.{0: conv, 1: bn}</c>,
/// <c>blocks.{i}.conv2.{0,1}</c>, registered under <c>decoder.</c> by the model, so with BaseWidth 64 and scale 1 the
/// decoder's state dict has smp's keys and shapes. Differences from smp: bilinear rather than nearest upsampling (smp's
/// default), and a 1x1 rather than 3x3 head.
/// </para>
/// </summary>
internal sealed class UNetDecoder : Module
{
    private readonly ModuleList<UNetDecoderBlock> blocks;

    /// <summary>Channels of the decoded map (the last block's width).</summary>
    public int OutputChannels { get; }

    /// <param name="skipWidths">Channels of the five encoder stages (stem, layer1-4) as the decoder receives them (after fusion).</param>
    /// <param name="decoderWidths">Widths of the five blocks, deepest first.</param>
    public UNetDecoder(IReadOnlyList<int> skipWidths, IReadOnlyList<int> decoderWidths) : base(nameof(UNetDecoder))
    {
        if (skipWidths.Count != 5) throw new ArgumentException("Need the widths of the stem and layer1-4.", nameof(skipWidths));
        if (decoderWidths.Count != 5) throw new ArgumentException("Need five decoder widths.", nameof(decoderWidths));
        if (skipWidths.Concat(decoderWidths).Any(w => w < 1)) throw new ArgumentException("Widths must be positive.");
        var list = new List<UNetDecoderBlock>();
        long inChannels = skipWidths[4];
        for (int i = 0; i < 5; i++)
        {
            long skip = i < 4 ? skipWidths[3 - i] : 0; // skips of blocks 0-4: layer3, layer2, layer1, stem, none
            list.Add(new UNetDecoderBlock(inChannels, skip, decoderWidths[i]));
            inChannels = decoderWidths[i];
        }
        blocks = new ModuleList<UNetDecoderBlock>(list.ToArray());
        OutputChannels = decoderWidths[4];
        RegisterComponents();
        InitializeWeights();
    }

    // smp's initialize_decoder: Kaiming-uniform (fan_in, relu) convs, BatchNorm weight 1 and bias 0.
    private void InitializeWeights()
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Conv2d conv) init.kaiming_uniform_(conv.weight, mode: init.FanInOut.FanIn, nonlinearity: init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d bn) { init.ones_(bn.weight); init.zeros_(bn.bias); }
        }
    }

    /// <summary>Decodes the five stages (stem, layer1-4; shallowest first) to [N, OutputChannels, height, width].</summary>
    public Tensor Forward(IReadOnlyList<Tensor> stages, long height, long width)
    {
        if (stages.Count != 5) throw new ArgumentException($"Expected 5 feature maps (stem, layer1-4), got {stages.Count}.", nameof(stages));
        using var scope = NewDisposeScope();
        var x = stages[4];
        for (int i = 0; i < 5; i++)
        {
            var skip = i < 4 ? stages[3 - i] : null;
            x = blocks[i].Forward(x, skip, skip?.shape[2] ?? height, skip?.shape[3] ?? width);
        }
        return x.MoveToOuterDisposeScope();
    }
}
