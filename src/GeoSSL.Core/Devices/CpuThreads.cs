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
/// Waiting: libgomp's workers spin after each parallel region (GOMP_SPINCOUNT, 300,000 iterations by default) before
/// they sleep. When another process wants the core, that spinning is stolen time: two ResNet-18 trainings on these 2
/// cores kept 26% of one alone's throughput together. Passive waiting (OMP_WAIT_POLICY=PASSIVE) gave the pair 116% but
/// cost a job alone 12% (114 vs 129 img/s); a short spin (GOMP_SPINCOUNT=1000) kept a job alone at 129 img/s and the
/// pair at 96% (benchmark <c>shared-machine</c>, results/reliability-2026-11-29). The module initializer therefore sets
/// GOMP_SPINCOUNT=1000 before libtorch loads, unless the environment already sets OMP_WAIT_POLICY or GOMP_SPINCOUNT.
/// libgomp reads them once, at load, through the C library's environment, which .NET's
/// Environment.SetEnvironmentVariable does not change on Unix; hence setenv.
/// </para>
/// </summary>
internal static class CpuThreads
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>Spin count the library gave libgomp's workers before they sleep.</summary>
    public const int SpinCount = 1000;

    /// <summary>How OpenMP workers of this process wait, e.g. "GOMP_SPINCOUNT=1000 (set by GeoSSL)" or "OMP_WAIT_POLICY=ACTIVE (environment)".</summary>
    public static string WaitPolicy { get; private set; } = "libgomp default";

    // CA2255 warns libraries off module initializers; this one must run before any code of the library touches libtorch,
    // which no explicit call can guarantee.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void PreferShortSpin()
    {
        foreach (var name in new[] { "OMP_WAIT_POLICY", "GOMP_SPINCOUNT" })
            if (Environment.GetEnvironmentVariable(name) is { } set) { WaitPolicy = $"{name}={set} (environment)"; return; }
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            if (SetEnv("GOMP_SPINCOUNT", SpinCount.ToString(System.Globalization.CultureInfo.InvariantCulture), 0) == 0)
                WaitPolicy = $"GOMP_SPINCOUNT={SpinCount} (set by GeoSSL)";
        }
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
