using GeoSSL.Core.Engine;
using System.Diagnostics;
using System.Globalization;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Two pretrainings at once against one alone: does a pair on the same cores keep the throughput of a single job?
/// Each run is a child process (<c>shared-machine-child</c>) training on the shared tiles and printing the images/s of its
/// epochs after the first (warm-up); the pair is started together. Rows: every core per job (the default), and
/// <c>--threads</c> per job of the pair (default cores/2). Goal: the pair's total ≥ 80% of one alone.
/// </summary>
internal static class SharedMachine
{
    public static int Run(BenchmarkArgs args, string[] rawArgs)
    {
        int cores = Environment.ProcessorCount;
        int pairThreads = args.Int("threads", Math.Max(1, cores / 2));
        var passOn = rawArgs.Skip(1).ToList();
        Console.WriteLine($"Shared machine: ResNet-18, {args.Int("size", 64)} px, batch {args.Int("batch", 128)}, {args.Int("epochs", 3)} epochs per job " +
            $"(first excluded), {cores} cores, OpenMP waiting: {GeoSSL.Core.Devices.CpuThreads.WaitPolicy}");
        double alone = Children(passOn, 1, null).Single();
        var pairDefault = Children(passOn, 2, null);
        var pairCapped = Children(passOn, 2, pairThreads);
        Console.WriteLine();
        Console.WriteLine("| run | threads per job | img/s per job | img/s together | share of one alone |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine($"| one job alone | {cores} (every core) | {alone:F1} | {alone:F1} | 100% |");
        Row("two jobs at once", $"{cores} (every core)", pairDefault, alone);
        Row("two jobs at once", $"{pairThreads} (Threads = {pairThreads})", pairCapped, alone);
        return 0;
    }

    private static void Row(string name, string threads, IReadOnlyList<double> rates, double alone) =>
        Console.WriteLine($"| {name} | {threads} | {string.Join(" / ", rates.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))} | {rates.Sum():F1} | {100 * rates.Sum() / alone:F0}% |");

    /// <summary>Starts <paramref name="count"/> children at once and returns each one's training images/s.</summary>
    private static IReadOnlyList<double> Children(List<string> passOn, int count, int? threads)
    {
        var exe = Environment.ProcessPath!;
        var dll = typeof(SharedMachine).Assembly.Location;
        var processes = Enumerable.Range(0, count).Select(_ =>
        {
            var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (!exe.EndsWith(Path.GetFileNameWithoutExtension(dll), StringComparison.Ordinal)) info.ArgumentList.Add(dll);
            info.ArgumentList.Add("shared-machine-child");
            foreach (var a in passOn.Where(a => a != "--threads")) info.ArgumentList.Add(a);
            if (threads is int t) { info.ArgumentList.Add("--child-threads"); info.ArgumentList.Add(t.ToString(CultureInfo.InvariantCulture)); }
            return Process.Start(info)!;
        }).ToList();
        var rates = new List<double>();
        foreach (var p in processes)
        {
            string output = p.StandardOutput.ReadToEnd();
            string errors = p.StandardError.ReadToEnd();
            p.WaitForExit();
            var line = output.Split('\n').LastOrDefault(l => l.StartsWith("IMAGES_PER_SECOND ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"A child run failed (exit {p.ExitCode}): {output}{errors}");
            rates.Add(double.Parse(line["IMAGES_PER_SECOND ".Length..], CultureInfo.InvariantCulture));
            Console.WriteLine($"  {(count == 1 ? "alone" : "pair")}{(threads is int t ? $", {t} thread(s)" : "")}: {rates[^1]:F1} img/s");
        }
        return rates;
    }

    /// <summary>The child: one training; prints the mean images/s of its epochs after the first.</summary>
    public static int Child(BenchmarkArgs args)
    {
        int epochs = args.Int("epochs", 3);
        var report = PretrainRun.Fit(args, epochs, args.Get("child-threads") is null ? null : args.Int("child-threads", 1), progress: null);
        var timed = report.Epochs.Skip(1).ToList();
        double rate = timed.Sum(e => e.SamplesPerSecond * e.Seconds) / timed.Sum(e => e.Seconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"IMAGES_PER_SECOND {rate:F2}"));
        return 0;
    }
}
