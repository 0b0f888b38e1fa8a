using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GeoSSL.Core.Dense;

/// <summary>
/// One U-Net decoder step: bilinear upsampling to the skip's size, concatenation with the skip, then two
/// 3x3 conv + BatchNorm + ReLU. <c>conv1</c>/<c>conv2</c> are Sequential(conv, bn, relu) as smp's <c>Conv2dReLU</c>,
/// so the state-dict keys are <c>conv1.0.weight</c>, <c>conv1.1.running_mean</c>, ...
/// </summary>
internal sealed class UNetDecoderBlock : Module
{
    private readonly Sequential conv1;
    private readonly Sequential conv2;

    public long InChannels { get; }
    public long SkipChannels { get; }
    public long OutChannels { get; }

    public UNetDecoderBlock(long inChannels, long skipChannels, long outChannels) : base(nameof(UNetDecoderBlock))
    {
        InChannels = inChannels; SkipChannels = skipChannels; OutChannels = outChannels;
        // Bias-free convs: the BatchNorm after each adds the shift (and the ONNX exporter folds BN into a bias-free conv).
        conv1 = Sequential(Conv2d(inChannels + skipChannels, outChannels, 3, padding: 1, bias: false), BatchNorm2d(outChannels), ReLU());
        conv2 = Sequential(Conv2d(outChannels, outChannels, 3, padding: 1, bias: false), BatchNorm2d(outChannels), ReLU());
        RegisterComponents();
    }

    /// <summary>Upsamples <paramref name="x"/> to height x width (if it is not that size already), appends the skip, convolves.</summary>
    public Tensor Forward(Tensor x, Tensor? skip, long height, long width)
    {
        using var scope = NewDisposeScope();
        // Resize to the target size rather than by a fixed x2: with odd input sizes the encoder rounds up at each stride,
        // and x2 would miss the skip by a pixel. For even sizes both give the same result.
        if (x.shape[2] != height || x.shape[3] != width)
            x = functional.interpolate(x, new long[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: false);
        if (skip is not null) x = cat(new[] { x, skip }, 1);
        return conv2.forward(conv1.forward(x)).MoveToOuterDisposeScope();
    }
}
