using GeoSSL.Core.Engine;
using System.Diagnostics;
using GeoSSL.Core.Training;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;

namespace GeoSSL.Benchmarks;

/// <summary>
/// A long pretraining on the shared tiles that prints, after every epoch, the process's resident memory, the managed
/// heap (live objects, after a full collection) and the training speed: memory must stay flat after the first epochs (HeapReuse keeps glibc's heap at its peak
/// on purpose, so RSS rises once and then holds).
/// </summary>
internal static class Soak
{
    public static int Run(BenchmarkArgs args)
    {
        int epochs = args.Int("epochs", 30);
        Console.WriteLine($"Soak: ResNet-18, {args.Int("size", 64)} px, batch {args.Int("batch", 128)}, {epochs} epochs, {Environment.ProcessorCount} cores");
        Console.WriteLine("| epoch | loss | img/s | RSS MB | live managed heap MB | GC gen2 count |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var rss = new List<double>();
        var progress = new SyncProgress(p =>
        {
            if (!p.IsEpochEnd) return;
            using var self = Process.GetCurrentProcess();
            double mb = self.WorkingSet64 / 1048576.0;
            rss.Add(mb);
            Console.WriteLine($"| {p.Epoch} | {p.Loss:F4} | {p.SamplesPerSecond:F1} | {mb:F0} | {GC.GetTotalMemory(forceFullCollection: true) / 1048576.0:F1} | {GC.CollectionCount(2)} |");
        });
        PretrainRun.Fit(args, epochs, args.Get("threads") is null ? null : args.Int("threads", 1), progress);
        if (rss.Count >= 4)
        {
            int settled = Math.Min(3, rss.Count - 1);
            double growth = rss[^1] - rss[settled - 1];
            Console.WriteLine($"RSS after epoch {settled}: {rss[settled - 1]:F0} MB; after epoch {rss.Count}: {rss[^1]:F0} MB; growth {growth:+0;-0} MB " +
                              $"({growth / Math.Max(1, rss.Count - settled):F1} MB per epoch).");
        }
        return 0;
    }

    /// <summary>Reports on the training thread (System.Progress would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
