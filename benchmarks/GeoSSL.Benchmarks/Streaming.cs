using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GeoSSL.Data.Manifests;
using GeoSSL.Data.Records;
using GeoSSL.Data.Streaming;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Streaming at archive scale: for synthetic Parquet manifests of 10k and 100k rows (pointing cyclically at a few real PNG,
/// JPEG and GeoTIFF files) it times reading the manifest, then streams one shuffled epoch of each through the
/// PrefetchingBatchReader and reports decode throughput beside the peak memory. Memory must not grow with the row count:
/// only the record metadata does; pre-decoding every image (the in-memory path) would need rows x 12 KB.
/// </summary>
internal static class Streaming
{
    private sealed record FormatRow(int Rows, string Format, double ManifestWriteSeconds, double ManifestReadSeconds, double MetadataMb,
        long Tiles, double DecodeSeconds, double TilesPerSecond, double DecodedMbPerSecond, double InputMbPerSecond,
        double WorkingSetAtStartMb, double PeakWorkingSetMb, double PeakManagedMb, double RetainedByStreamingMb, int BuffersAllocated, double PreDecodedMb,
        double ProcessPeakWorkingSetMb);

    /// <summary>
    /// Each row count runs in its own process (this program with --child-out), so the peak working set of the 10k run and of
    /// the 100k run are each a whole process's peak rather than one number that only ever rises.
    /// </summary>
    public static int Run(BenchmarkArgs args, string[] rawArgs)
    {
        if (args.Get("child-out") is { } childOut) return Child(args, childOut);
        var rowCounts = args.Get("rows", "10000,100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        int batch = args.Int("batch", 64);
        var prefetch = new PrefetchOptions { Capacity = args.Int("capacity", 4), Workers = args.Int("workers", 2) };
        double maxSeconds = args.Double("max-seconds", 30);
        string outDir = args.Get("out", Path.Combine("benchmarks", "results", "streaming-2026-11-29"));
        string machine = $"{Environment.ProcessorCount} cores, {prefetch.Workers} decode workers, capacity {prefetch.Capacity} batches of {batch}, .NET {Environment.Version}";
        Console.WriteLine($"Streaming benchmark: {machine}; decode capped at {maxSeconds:F0} s per row count and format; one process per row count");
        Console.WriteLine(Header);
        Console.WriteLine(Rule);
        var rows = new List<FormatRow>();
        foreach (int n in rowCounts)
        {
            var json = Path.Combine(Path.GetTempPath(), $"geossl-streaming-{Guid.NewGuid():N}.json");
            var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
            var dll = typeof(Streaming).Assembly.Location;
            if (!Environment.ProcessPath!.EndsWith(Path.GetFileNameWithoutExtension(dll), StringComparison.Ordinal)) info.ArgumentList.Add(dll);
            info.ArgumentList.Add("streaming");
            var passOn = rawArgs.Skip(1).ToList();
            for (int i = 0; i < passOn.Count; i++)
            {
                if (passOn[i] is "--rows" or "--out") { i++; continue; }
                info.ArgumentList.Add(passOn[i]);
            }
            foreach (var a in new[] { "--rows", n.ToString(CultureInfo.InvariantCulture), "--child-out", json }) info.ArgumentList.Add(a);
            using (var child = Process.Start(info)!)
            {
                child.WaitForExit();
                if (child.ExitCode != 0) { Console.Error.WriteLine($"The {n}-row run failed (exit {child.ExitCode})."); return 1; }
            }
            rows.AddRange(JsonSerializer.Deserialize<List<FormatRow>>(File.ReadAllText(json))!);
            File.Delete(json);
        }
        var png = StreamingSources.PngTiles(SharedData.Root(args), 64);
        var step = args.Flag("skip-step") ? null : StreamingStep.Run(png, batch, prefetch, args.Double("step-seconds", 15));
        Write(outDir, machine, maxSeconds, rows, step);
        return 0;
    }

    private const string Header = "| rows | format | manifest write s | manifest read s | metadata MB | tiles | tiles/s | decoded MB/s | input MB/s | WS at start MB | peak WS MB | peak managed MB | retained by streaming MB | buffers | pre-decoded would be MB | process peak WS MB |";
    private const string Rule = "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    /// <summary>One row count: prints its lines and writes them as JSON for the parent.</summary>
    private static int Child(BenchmarkArgs args, string childOut)
    {
        var rowCounts = args.Get("rows", "10000,100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        int batch = args.Int("batch", 64);
        var prefetch = new PrefetchOptions { Capacity = args.Int("capacity", 4), Workers = args.Int("workers", 2) };
        double maxSeconds = args.Double("max-seconds", 30); // per (rows, format): a cap so 100k rows stay within minutes on a busy machine
        string shared = SharedData.Root(args);
        string temp = Path.Combine(Path.GetTempPath(), "geossl-streaming-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(temp);
        int sampleBytes = 3 * StreamingSources.Size * StreamingSources.Size;
        try
        {
            var png = StreamingSources.PngTiles(shared, 64);
            var jpeg = StreamingSources.JpegTiles(png, Path.Combine(temp, "jpeg"));
            var tif = StreamingSources.GeoTiffScenes(shared);
            var formats = new (string Name, List<string> Files, Action<GeoImageRecord, Span<byte>> Decode, double InputBytes)[]
            {
                ("PNG", png, StreamingSources.DecodeImage, png.Average(f => new FileInfo(f).Length)),
                ("JPEG", jpeg, StreamingSources.DecodeImage, jpeg.Average(f => new FileInfo(f).Length)),
                ("GeoTIFF window", tif, StreamingSources.DecodeWindow, 3 * 64 * 64 * 2.0), // three uint16 bands of 64x64 read
            };
            var rows = new List<FormatRow>();
            foreach (int n in rowCounts)
                foreach (var f in formats)
                {
                    var row = Measure(n, f.Name, f.Files, f.Decode, f.InputBytes, batch, prefetch, maxSeconds, temp, sampleBytes);
                    rows.Add(row);
                    Console.WriteLine(Line(row));
                }
            StreamingSources.CloseReaders();
            File.WriteAllText(childOut, JsonSerializer.Serialize(rows));
            return 0;
        }
        finally { try { Directory.Delete(temp, recursive: true); } catch (IOException) { } }
    }

    private static FormatRow Measure(int n, string format, List<string> files, Action<GeoImageRecord, Span<byte>> decode, double inputBytes,
        int batch, PrefetchOptions prefetch, double maxSeconds, string temp, int sampleBytes)
    {
        var path = Path.Combine(temp, $"{format.Replace(' ', '-')}-{n}.parquet");
        var clock = Stopwatch.StartNew();
        // Two dates per location, coordinates on a grid: what a real archive manifest looks like, at any length.
        ManifestWriter.Write(path, Enumerable.Range(0, n).Select(i => new GeoImageRecord(i, files[i % files.Count], $"loc{i / 2}",
            -60 + (i / 2 % 1200) * 0.1, -180 + (i / 2 / 1200 % 3600) * 0.1, new DateTime(2016, 1, 1).AddDays(i % 2 * 365))),
            new ManifestColumns { Timestamp = "Timestamp" });
        double write = clock.Elapsed.TotalSeconds;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        clock.Restart();
        var records = ManifestReader.Read(path, new ManifestColumns { Timestamp = "Timestamp" }).ToList();
        double read = clock.Elapsed.TotalSeconds;
        double metadataMb = (GC.GetTotalMemory(forceFullCollection: true) - heapBefore) / 1048576.0;

        var order = Enumerable.Range(0, n).ToArray();
        new Random(1).Shuffle(order); // an epoch's order: rows far apart in the file, as training reads them
        var batches = order.Chunk(batch).Select(c => (IReadOnlyList<int>)c);
        Warm(records, decode, sampleBytes);
        long tiles = 0, checksum = 0;
        long heapAtStart = GC.GetTotalMemory(forceFullCollection: true);
        double workingSetAtStart = WorkingSetMb();
        double retainedMb;
        using var memory = new MemorySampler();
        int buffers;
        double seconds;
        clock.Restart();
        using (var reader = new PrefetchingBatchReader(batches, sampleBytes, (i, d) => decode(records[i], d), prefetch))
        {
            while (reader.TryNext(out var b))
            {
                tiles += b.Indices.Count;
                checksum += b.Bytes.Span[b.Bytes.Length / 2]; // touch the pixels as a training step would
                if (clock.Elapsed.TotalSeconds > maxSeconds) break;
            }
            seconds = clock.Elapsed.TotalSeconds;
            buffers = reader.BuffersAllocated;
            // What streaming keeps alive (its buffers, the workers' state), measured while the reader still holds it.
            retainedMb = (GC.GetTotalMemory(forceFullCollection: true) - heapAtStart) / 1048576.0;
        }
        GC.KeepAlive(checksum);
        File.Delete(path);
        return new FormatRow(n, format, write, read, metadataMb, tiles, seconds, tiles / seconds, tiles * (double)sampleBytes / 1e6 / seconds,
            tiles * inputBytes / 1e6 / seconds, workingSetAtStart, memory.PeakWorkingSetMb, memory.PeakManagedMb, retainedMb, buffers, n * (double)sampleBytes / 1048576.0,
            ProcessPeakMb());
    }

    /// <summary>Decodes a few hundred rows untimed, so tiered JIT and first file opens do not count against the first row count.</summary>
    private static void Warm(List<GeoImageRecord> records, Action<GeoImageRecord, Span<byte>> decode, int sampleBytes)
    {
        var buffer = new byte[sampleBytes];
        for (int i = 0; i < Math.Min(500, records.Count); i++) decode(records[i], buffer);
    }

    private static double ProcessPeakMb()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1048576.0;
    }

    private static double WorkingSetMb()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64 / 1048576.0;
    }

    private static string Line(FormatRow r) => string.Create(CultureInfo.InvariantCulture,
        $"| {r.Rows:N0} | {r.Format} | {r.ManifestWriteSeconds:F2} | {r.ManifestReadSeconds:F2} | {r.MetadataMb:F1} | {r.Tiles:N0} | {r.TilesPerSecond:F0} | " +
        $"{r.DecodedMbPerSecond:F1} | {r.InputMbPerSecond:F1} | {r.WorkingSetAtStartMb:F0} | {r.PeakWorkingSetMb:F0} | {r.PeakManagedMb:F0} | {r.RetainedByStreamingMb:F1} | {r.BuffersAllocated} | {r.PreDecodedMb:F0} | {r.ProcessPeakWorkingSetMb:F0} |");

    private static void Write(string outDir, string machine, double maxSeconds, List<FormatRow> rows, StreamingStep.Result? step)
    {
        Directory.CreateDirectory(outDir);
        var md = new StringBuilder();
        md.AppendLine("# Streaming at archive scale (issue 16.7)").AppendLine();
        md.AppendLine($"`dotnet run --project benchmarks/GeoSSL.Benchmarks -c Release -- streaming` on {machine}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine($"Synthetic Parquet manifests (two dates per location) point cyclically at 64 OSCD PNG tiles, the same tiles as JPEG (quality 90), " +
            $"or 64 px windows (drawn per row) of the 4 OSCD Sentinel-2 scenes' B04/B03/B02 GeoTIFFs. One shuffled epoch is streamed through " +
            $"PrefetchingBatchReader (decode capped at {maxSeconds:F0} s per line). Peak working set and managed heap are sampled every 20 ms during the decode; " +
            "'WS at start' is the working set when the decode starts (after the manifest was written and read); 'metadata MB' is the live heap the records take; " +
            "'retained by streaming' is the live heap the running reader adds (forced collection, before disposal); " +
            "'pre-decoded would be MB' is what the in-memory path (DecodedImageSet) would allocate; 'process peak WS' is Process.PeakWorkingSet64 " +
            "after the line, in a process that runs only that row count (manifest writing included).").AppendLine();
        md.AppendLine(Header).AppendLine(Rule);
        foreach (var r in rows) md.AppendLine(Line(r));
        if (step is not null)
        {
            md.AppendLine().AppendLine($"Pretraining step rate ({step.Description}):").AppendLine();
            md.AppendLine("| source | steps | images/s |").AppendLine("|---|---|---|");
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| in memory (pre-decoded) | {step.InMemorySteps} | {step.InMemoryImagesPerSecond:F1} |"));
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| streaming (prefetching) | {step.StreamingSteps} | {step.StreamingImagesPerSecond:F1} |"));
        }
        File.WriteAllText(Path.Combine(outDir, "results.md"), md.ToString());
        File.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(new { machine, maxSeconds, rows, step }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Wrote {Path.Combine(outDir, "results.md")} and results.json");
    }
}
