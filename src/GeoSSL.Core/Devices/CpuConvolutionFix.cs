using System.Runtime.InteropServices;

namespace GeoSSL.Core.Devices;

/// <summary>
/// libtorch 2.10's oneDNN CPU convolution backward (as shipped in TorchSharp-cpu 0.107) reads uninitialised memory
/// for float32 convolutions with fewer than 16 input channels on AVX-512 CPUs: input gradients come back NaN or wrong
/// in about half of the passes (reproduced here against conv_transpose2d). Switching libtorch's oneDNN convolutions
/// off makes them exact at the same speed for the layers this project trains. It is a process-wide libtorch flag,
/// set before CPU training; on platforms where the symbols differ (Windows) it is skipped.
/// </summary>
internal static class CpuConvolutionFix
{
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.I1)]
    private static extern bool UserEnabledMkldnn(IntPtr context);

    /// <summary>
    /// Disables oneDNN convolutions until the returned scope is disposed, then puts back the setting found: a narrow model's
    /// run does not change the arithmetic of the wide models trained after it in the same process.
    /// </summary>
    public static IDisposable Scope()
    {
        if (!OperatingSystem.IsLinux()) return NoScope.Instance;
        try
        {
            _ = TorchSharp.torch.CPU;
            bool before = UserEnabledMkldnn(GlobalContext());
            SetUserEnabledMkldnn(GlobalContext(), false);
            return new Restore(before);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return NoScope.Instance;
        }
    }

    private sealed class Restore(bool enabled) : IDisposable
    {
        private bool done;
        public void Dispose()
        {
            if (done) return;
            done = true;
            SetUserEnabledMkldnn(GlobalContext(), enabled);
        }
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    /// <summary>Disables oneDNN convolutions (cheap, idempotent; called by every CPU trainer); returns whether the switch was reached.</summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            _ = TorchSharp.torch.CPU; // make sure TorchSharp has loaded libtorch first
            SetUserEnabledMkldnn(GlobalContext(), false);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
