using System.Diagnostics;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Samples the process's working set and the managed heap every few milliseconds on a background thread, so a stage's
/// peak is seen (Process.PeakWorkingSet64 only rises over the whole run, which hides whether a later stage needed more).
/// </summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly Thread thread;
    private volatile bool stop;
    private long peakWorkingSet, peakManaged;

    public MemorySampler(int intervalMs = 20)
    {
        thread = new Thread(() =>
        {
            using var self = Process.GetCurrentProcess();
            while (!stop)
            {
                self.Refresh();
                Max(ref peakWorkingSet, self.WorkingSet64);
                Max(ref peakManaged, GC.GetTotalMemory(false));
                Thread.Sleep(intervalMs);
            }
        }) { IsBackground = true, Name = "memory sampler" };
        thread.Start();
    }

    public double PeakWorkingSetMb => Interlocked.Read(ref peakWorkingSet) / 1048576.0;
    public double PeakManagedMb => Interlocked.Read(ref peakManaged) / 1048576.0;

    private static void Max(ref long peak, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, value, seen) != seen) { }
    }

    public void Dispose()
    {
        stop = true;
        thread.Join();
    }
}
