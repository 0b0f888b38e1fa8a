using System.Runtime.CompilerServices;

namespace GeoSSL.Core.Devices;

/// <summary>
/// Makes TorchSharp's native library loadable before its first use, whether the app references GeoSSL by package (the
/// build step has already patched the output) or by project (no build step ran: the copy beside the app is patched here),
/// and turns TorchSharp's misleading load error into one that names the cause and the fix.
/// </summary>
internal static class TorchNative
{
    private static readonly Lazy<string?> Preparation = new(Prepare);

    /// <summary>Runs when GeoSSL.Core is loaded, i.e. before any of its code can touch TorchSharp.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before TorchSharp loads its native library, whichever GeoSSL entry point comes first.")]
    internal static void PrepareOnLoad() => _ = Preparation.Value;

    /// <summary>Loads TorchSharp's natives (once); on failure throws an exception that says why and what to do.</summary>
    public static void EnsureLoaded()
    {
        try
        {
            _ = TorchSharp.torch.cuda.is_available(); // the first call into TorchSharp loads libLibTorchSharp and libtorch
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            throw new InvalidOperationException(Explain(Innermost(e).Message, Candidates()), e);
        }
    }

    /// <summary>The message for a failed load: which library, which cause, which fix.</summary>
    /// <param name="candidates">Where the app's copy of libLibTorchSharp.so may be.</param>
    internal static string Explain(string torchSharpMessage, IEnumerable<string> candidates)
    {
        var libraries = candidates.Where(File.Exists).ToList();
        if (libraries.Count == 0)
            return "TorchSharp's native library is not in this app's output: add <PackageReference Include=\"TorchSharp-cpu\" Version=\"0.107.0\" /> " +
                $"(or TorchSharp-cuda-linux / TorchSharp-cuda-windows) to the project that runs GeoSSL. TorchSharp said: {torchSharpMessage}";
        string? unpatched = OperatingSystem.IsLinux() ? libraries.FirstOrDefault(SafeNeedsPatch) : null;
        if (unpatched is not null && LibTorchSharpElfFix.SystemLacksVersion())
            return $"TorchSharp's native library '{unpatched}' requires {LibTorchSharpElfFix.Needed}, which this system's libstdc++ " +
                $"('{LibTorchSharpElfFix.SystemLibStdCxx()}', from a GCC older than 13, as on Debian 12) lacks" +
                (Preparation.Value is { } why ? $", and GeoSSL could not patch the copy ({why})" : "") + ". " +
                "Fix: reference the GeoSSL.MLNet package (its build step patches the copy in your output), or, when referencing the " +
                "GeoSSL projects by path, add <Import Project=\"path/to/build/GeoSSL.MLNet.targets\" /> to your project, or make that file writable " +
                "so GeoSSL patches it at start-up. (TorchSharp's own message about a missing libtorch-cpu-linux-x64 reference is misleading: " +
                $"the package is there.) TorchSharp said: {torchSharpMessage}";
        return $"TorchSharp could not load its native library: {torchSharpMessage}";
    }

    // Patches the copies beside the app when the system needs it; returns why it could not, or null.
    private static string? Prepare()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            if (!LibTorchSharpElfFix.SystemLacksVersion()) return null;
            foreach (var file in Candidates().Where(File.Exists))
                if (LibTorchSharpElfFix.NeedsPatch(file)) LibTorchSharpElfFix.Patch(file);
            return null;
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    // Where .NET looks for a native asset of a framework-dependent app: the app folder and its runtimes/<rid>/native.
    internal static IEnumerable<string> Candidates()
    {
        var folders = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) }
            .Where(f => !string.IsNullOrEmpty(f)).Distinct();
        foreach (var folder in folders)
        {
            yield return Path.Combine(folder!, LibTorchSharpElfFix.FileName);
            yield return Path.Combine(folder!, "runtimes", $"linux-{(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "x64")}", "native", LibTorchSharpElfFix.FileName);
        }
    }

    private static bool SafeNeedsPatch(string file)
    {
        try { return LibTorchSharpElfFix.NeedsPatch(file); }
        catch (IOException) { return false; }
        catch (InvalidDataException) { return false; }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
