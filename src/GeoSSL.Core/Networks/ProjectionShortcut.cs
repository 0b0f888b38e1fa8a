using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GeoSSL.Core.Networks;

/// <summary>
/// The residual blocks' projection shortcut (torchvision's <c>downsample</c>: 1x1 conv + BatchNorm, same parameter names),
/// with its stride taken by subsampling the input before a stride-1 conv. The result is identical, since a 1x1 conv
/// with stride s and no padding only reads every s-th pixel. Why: libtorch 2.10's oneDNN backward of a stride-2 1x1
/// conv with 512 or more input channels dies with SIGFPE on AVX-512 CPUs (brgemm_convolution_bwd_strided
/// init), which killed every ResNet-50 training step here (layer3 and layer4 shortcuts) without an exception.
/// The ONNX exporter still writes these convs with stride 2.
/// </summary>
internal static class ProjectionShortcut
{
    public static Sequential Create(long inPlanes, long outPlanes) =>
        Sequential(Conv2d(inPlanes, outPlanes, 1, bias: false), BatchNorm2d(outPlanes));

    public static Tensor Apply(Sequential shortcut, Tensor x, long stride)
    {
        if (stride == 1) return shortcut.forward(x);
        using var scope = NewDisposeScope();
        var sampled = x.slice(2, 0, x.shape[2], stride).slice(3, 0, x.shape[3], stride);
        return shortcut.forward(sampled).MoveToOuterDisposeScope();
    }
}
