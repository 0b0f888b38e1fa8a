using GeoSSL.Core.Dense;
using GeoSSL.Core.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Dense;

/// <summary>Tiny dense models for tests, optionally with non-trivial BatchNorm parameters and running statistics.</summary>
internal static class DenseTestModels
{
    public static ResNetOptions Tiny(bool smallStem) => new() { Depth = ResNetDepth.ResNet18, BaseWidth = 16, SmallInputStem = smallStem };

    /// <summary>
    /// A seeded model left in eval mode. With <paramref name="warmUp"/> every BatchNorm gets random affine parameters and
    /// running statistics from a few train-mode forwards, so folding them into convs (ONNX) is really exercised.
    /// </summary>
    public static DenseModel Build(DenseModelOptions options, int seed, int height, int width, bool warmUp = true)
    {
        torch.manual_seed(seed);
        var model = new DenseModel(options);
        if (warmUp)
        {
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                foreach (var (_, module) in model.named_modules())
                {
                    if (module is not BatchNorm2d bn) continue;
                    bn.weight!.uniform_(0.5, 1.5);
                    bn.bias!.normal_(0, 0.2);
                    bn.momentum = 0.5;
                }
                model.train();
                int c = options.Encoder.InputChannels * options.Inputs;
                for (int i = 0; i < 3; i++) model.forward(torch.randn(4, c, height, width) * 1.5 + 0.2);
            }
        }
        model.eval();
        return model;
    }
}
