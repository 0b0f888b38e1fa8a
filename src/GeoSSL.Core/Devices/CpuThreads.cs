using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GeoSSL.Core.Devices;

/// <summary>
/// How many CPU threads libtorch uses, and how its OpenMP workers wait. Both are process-wide.
/// <para>
/// Threads: libtorch's intra-op pool defaults to one thread per core. Two jobs on a 2-core machine then run four
/// busy threads on two cores, and every parallel region waits for a descheduled partner. <see cref="Apply"/> caps the
/// pool (the <c>Threads</c> options of the estimators and the CLI).
/// </para>
/// <para>
/// Waiting: libgomp's workers spin after each parallel region (GOMP_SPINCOUNT, ~300k iterations) before sleeping;
/// when another process wants the core, that spinning is stolen time. The module initializer asks for passive waiting
/// (<c>OMP_WAIT_POLICY=PASSIVE</c>) before libtorch loads, unless the environment already sets a policy. libgomp reads
/// it once, at load, through the C library's environment, which .NET's Environment.SetEnvironmentVariable does not
/// change on Unix; hence setenv.
/// </para>
/// </summary>
public static class CpuThreads
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>True when OpenMP workers of this process sleep instead of spinning (set here, or by the environment).</summary>
    public static bool PassiveWaiting { get; private set; }

    // CA2255 warns libraries off module initializers; this one must run before any code of the library touches libtorch,
    // which no explicit call can guarantee.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void PreferPassiveWaiting()
    {
        var set = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (set is not null) { PassiveWaiting = set.Equals("passive", StringComparison.OrdinalIgnoreCase); return; }
        if (!OperatingSystem.IsLinux()) return;
        try { PassiveWaiting = SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>Checks a thread count option: null (every core) or at least 1.</summary>
    public static void Validate(int? threads, string option)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(option, threads, $"{option} must be at least 1 (or null for every core).");
    }

    /// <summary>Threads a job with this option uses: the option, or every core.</summary>
    public static int Resolve(int? threads) => threads ?? Environment.ProcessorCount;

    /// <summary>Sets libtorch's intra-op thread count when <paramref name="threads"/> is given; null leaves it as it is.</summary>
    public static void Apply(int? threads)
    {
        Validate(threads, "Threads");
        if (threads is int n && TorchSharp.torch.get_num_threads() != n) TorchSharp.torch.set_num_threads(n);
    }
}
