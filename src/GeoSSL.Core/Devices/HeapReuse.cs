using System.Runtime.InteropServices;

namespace GeoSSL.Core.Devices;

/// <summary>
/// Makes glibc keep freed large blocks for reuse instead of returning them to the kernel. libtorch's CPU allocator
/// has no cache: every activation, gradient and augmented batch is a fresh malloc, and glibc serves blocks above
/// its mmap threshold (at most 32 MB) with a new mmap and unmaps them on free, so each step touches its big tensors'
/// pages anew. Page faults cost about 10 µs per 4 KB page on the sandboxed machines measured here: a 224 px batch
/// of 64 spent 1.8 s per view in augmentation and trained at 8 img/s; with reuse, 0.26 s and 16 img/s (64 px, batch
/// 128: 81 to 120 img/s; benchmark <c>step-speed</c>). It is a process-wide setting (heap memory is then kept at
/// its peak until the process ends), applied once by the CPU trainers (pretraining and fine-tuning); set the environment variable
/// <c>GEOSSL_KEEP_MALLOC_DEFAULTS=1</c> to leave glibc's defaults alone.
/// </summary>
internal static class HeapReuse
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;
    private static readonly object Gate = new();
    private static bool? applied;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    /// <summary>Applies the setting once per process; returns whether glibc accepted it (false off Linux/glibc or when opted out).</summary>
    public static bool Apply()
    {
        lock (Gate)
        {
            if (applied is bool done) return done;
            applied = false;
            if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("GEOSSL_KEEP_MALLOC_DEFAULTS") == "1") return false;
            try
            {
                // No mmap for large blocks (they come from the heap and go back to it), and never trim the heap's top.
                applied = Mallopt(M_MMAP_MAX, 0) == 1 && Mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                applied = false;
            }
            return applied.Value;
        }
    }
}
