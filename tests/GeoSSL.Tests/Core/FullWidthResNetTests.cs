using GeoSSL.Core.Networks;
using GeoSSL.Data.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Core;

/// <summary>
/// Full-width encoders on the default CPU backend (oneDNN on). libtorch 2.10's oneDNN backward of a stride-2 1x1 conv with
/// 512+ input channels dies with SIGFPE on AVX-512 CPUs, which took the whole process down on ResNet-50's layer3/layer4
/// shortcuts; the shortcut now subsamples before a stride-1 conv. If the fault came back, this test run would crash.
/// </summary>
// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class FullWidthResNetTests
{
    // Parameter gradients only: the input gradient of the 3-channel stem is wrong under oneDNN on AVX-512 (see
    // CpuConvolutionFix) and training never needs it.
    private static readonly string[] Watched =
        ["conv1.weight", "layer1.0.conv2.weight", "layer3.0.downsample.0.weight", "layer4.0.downsample.0.weight", "layer4.2.conv3.weight"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ResNet50_GradientsOnDefaultBackend_MatchFloat64()
    {
        torch.manual_seed(3);
        using var encoder = new ResNetEncoder(new ResNetOptions { Depth = ResNetDepth.ResNet50 });
        encoder.eval(); // BatchNorm as a fixed affine map: train-mode statistics over 2x2 maps make float32 gradients ill-conditioned
        using var images = RealTiles(4, 64);
        using var direction = randn(4, encoder.FeatureDimension); // a loss that BatchNorm does not flatten

        var single = Gradients(encoder, images, direction);
        encoder.to(ScalarType.Float64); // float64 runs on libtorch's own kernels: the reference
        var exact = Gradients(encoder, images.to(ScalarType.Float64), direction.to(ScalarType.Float64));
        foreach (var name in Watched)
        {
            double scale = exact[name].abs().max().item<double>();
            Assert.IsTrue(scale > 0, $"{name} got no gradient");
            double diff = (single[name].to(ScalarType.Float64) - exact[name]).abs().max().item<double>() / scale;
            TestContext.WriteLine($"{name}: max |float32 - float64| / max |grad| = {diff:E2}");
            Assert.IsTrue(diff < 1e-3, $"{name}: float32 gradients differ from float64 by {diff:E2} (relative to the largest)");
        }
    }

    private static Dictionary<string, Tensor> Gradients(ResNetEncoder encoder, Tensor images, Tensor direction)
    {
        encoder.zero_grad();
        using (var scope = NewDisposeScope()) (encoder.forward(images) * direction).sum().backward();
        return encoder.named_parameters().Where(p => Watched.Contains(p.name)).ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
    }

    private static Tensor RealTiles(int count, int size)
    {
        var bytes = new byte[count * 3 * size * size];
        var records = TestData.OscdRecords();
        for (int i = 0; i < count; i++)
            ImageDecoder.DecodeRgbPlanar(records[i].ImagePath, size, size, bytes.AsSpan(i * 3 * size * size, 3 * size * size));
        return tensor(bytes, new long[] { count, 3, size, size }).to(ScalarType.Float32).div(255f).sub(0.4f).div(0.25f);
    }
}
