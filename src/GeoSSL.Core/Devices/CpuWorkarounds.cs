using GeoSSL.Core.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Devices;

/// <summary>
/// The CPU workarounds a model needs, decided from the model itself so every task gets them from the one training loop:
/// encoders narrower than 16 channels (BaseWidth below 16) train with oneDNN convolutions off (<see cref="CpuConvolutionFix"/>),
/// for the run only; wide ones keep oneDNN, about 3x faster here. Inference is not affected (the fault is in backward).
/// </summary>
internal static class CpuWorkarounds
{
    /// <summary>The workarounds <paramref name="model"/> needs for a training run on <paramref name="device"/>, undone on dispose.</summary>
    public static IDisposable ForTraining(Device device, nn.Module model) =>
        device.type == DeviceType.CPU && model.modules().Prepend(model).OfType<ResNetEncoder>().Any(e => e.Options.BaseWidth < 16)
            ? CpuConvolutionFix.Scope()
            : Nothing.Instance;

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }
}
