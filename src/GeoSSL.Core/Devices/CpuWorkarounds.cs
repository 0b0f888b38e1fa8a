using GeoSSL.Core.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Devices;

/// <summary>
/// The CPU workarounds a model needs, decided from the model itself so every task gets them from the one training loop:
/// encoders narrower than 16 channels (BaseWidth below 16) train with oneDNN convolutions off (<see cref="CpuConvolutionFix"/>);
/// wide ones keep oneDNN, about 3x faster here.
/// </summary>
internal static class CpuWorkarounds
{
    public static void Apply(Device device, nn.Module model)
    {
        if (device.type != DeviceType.CPU) return;
        if (model.modules().Prepend(model).OfType<ResNetEncoder>().Any(e => e.Options.BaseWidth < 16)) CpuConvolutionFix.Apply();
    }
}
