using static TorchSharp.torch;

namespace GeoSSL.Core.Devices;

/// <summary>Turns "auto", "cpu", "cuda" or "cuda:N" into a TorchSharp device, once per run.</summary>
internal static class DeviceSelector
{
    /// <summary>True when TorchSharp has a CUDA runtime and at least one device.</summary>
    public static bool CudaAvailable()
    {
        TorchNative.EnsureLoaded();
        return cuda.is_available();
    }

    public static Device Resolve(string? spec)
    {
        TorchNative.EnsureLoaded();
        var s = (spec ?? "auto").Trim().ToLowerInvariant();
        if (s is "" or "auto") return cuda.is_available() ? CUDA : CPU;
        if (s == "cpu") return CPU;
        if (s == "cuda" || s.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (s.Length > 5 && !int.TryParse(s.AsSpan(5), out index))
                throw new ArgumentException($"Device '{spec}' is not of the form cuda:N.", nameof(spec));
            if (!cuda.is_available())
                throw new InvalidOperationException(
                    $"Device '{spec}' was requested but TorchSharp found no CUDA runtime. Reference the package " +
                    "TorchSharp-cuda-linux or TorchSharp-cuda-windows (instead of TorchSharp-cpu) and check the NVIDIA driver, or use \"cpu\" / \"auto\".");
            int count = cuda.device_count();
            if (index < 0 || index >= count)
                throw new ArgumentOutOfRangeException(nameof(spec), $"Device '{spec}' does not exist: {count} CUDA device(s) are visible.");
            return new Device(TorchSharp.DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Unknown device '{spec}'. Use \"auto\", \"cpu\", \"cuda\" or \"cuda:N\".", nameof(spec));
    }
}
