using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Files;
using GeoSSL.Data.Input;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Issue 17's change-detection benchmark on ../shared/data/oscd-change with the fixed city split (CitySplit.Oscd: train 6
/// cities, validation 2 for early stopping on F1, test 2): the same siamese U-Net, schedule and budget for every encoder and
/// mode (frozen encoder or fine-tuned). Encoders: "random", "imagenet" (ML.NET's ResNet18, BGR and its mean image), or a
/// GeoSSL pretraining checkpoint path (its own input contract). Writes results.md/json and one overlay panel per test city
/// and encoder.
/// </summary>
internal static class ChangeDetection
{
    private sealed record Row(string Encoder, string Mode, int Seed, double F1, double IoU, double Precision, double Recall, double Accuracy,
        Dictionary<string, double> CityF1, int? BestEpoch, double Seconds, float Threshold, double F1AtHalf);

    public static int Run(BenchmarkArgs args)
    {
        string root = Path.Combine(SharedData.Root(args), "data", "oscd-change");
        string outDir = args.Get("out", $"benchmarks/results/change-{DateTime.UtcNow:yyyy-MM-dd}");
        Directory.CreateDirectory(outDir);
        if (args.Get("merge") is { } merge) return Merge(merge.Split(','), outDir, args);
        var encoders = args.Get("encoders", "random,imagenet").Split(',');
        var modes = args.Get("modes", "frozen,finetuned").Split(',');
        var seeds = args.Get("seeds", "1").Split(',').Select(int.Parse).ToArray();
        int window = args.Int("window", 64);
        var clock = Stopwatch.StartNew();
        var scenes = DenseScene.FromOscdChange(root);
        Console.WriteLine($"Loaded {scenes.Count} cities in {clock.Elapsed.TotalSeconds:F1}s; split train {string.Join(",", CitySplit.Oscd.Train)} | " +
            $"validation {string.Join(",", CitySplit.Oscd.Validation)} | test {string.Join(",", CitySplit.Oscd.Test)}");
        IReadOnlyList<DenseScene> Part(IReadOnlyList<string> cities) => scenes.Where(s => cities.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var rows = new List<Row>();
        foreach (var encoder in encoders)
            foreach (var mode in modes)
                foreach (int seed in seeds)
                {
                    var row = RunOne(args, encoder, mode, seed, window, Part(CitySplit.Oscd.Train), Part(CitySplit.Oscd.Validation), Part(CitySplit.Oscd.Test), outDir);
                    rows.Add(row);
                    Console.WriteLine($"{encoder,-12} {mode,-9} seed {seed}: threshold {row.Threshold:F2} test F1 {row.F1:F3} (at 0.5 {row.F1AtHalf:F3}) IoU {row.IoU:F3} P {row.Precision:F3} R {row.Recall:F3} " +
                        $"({string.Join(", ", row.CityF1.Select(c => $"{c.Key} {c.Value:F3}"))}), best epoch {row.BestEpoch}, {row.Seconds:F0}s");
                    Write(rows, outDir, args);
                }
        return 0;
    }

    private static Row RunOne(BenchmarkArgs args, string encoder, string mode, int seed, int window, IReadOnlyList<DenseScene> train,
        IReadOnlyList<DenseScene> validation, IReadOnlyList<DenseScene> test, string outDir)
    {
        var clock = Stopwatch.StartNew();
        var (layout, input, weights) = Encoder(encoder, args, window);
        var schedule = new TrainingSchedule
        {
            Epochs = args.Int("epochs", 10), LearningRate = args.Double("lr", 0.01), WarmupEpochs = 1, Seed = seed, ReportEveryNSteps = 0,
            EarlyStoppingPatience = args.Int("patience", 4), EarlyStoppingMetric = "f1_tuned",
        };
        var loop = new TrainingLoop(schedule, args.Get("device", "cpu"));
        var options = new DenseTaskOptions
        {
            Model = DenseModelOptions.Change(layout) with { FreezeEncoder = mode == "frozen" },
            WindowSize = window, BatchSize = args.Int("batch", 8), WindowsPerEpoch = args.Int("windows", 512), ChangeBias = args.Double("change-bias", 0.5),
        };
        using var task = loop.Build(d => new DenseTask(d, options, input, train, validation, seed));
        if (weights is not null)
        {
            using (weights) task.Model.LoadEncoderWeights(weights);
        }
        var result = loop.Run(task, new TrainingRunOptions { Log = line => Console.WriteLine($"  {line}") });
        // The threshold is chosen on the validation cities with the weights kept (early stopping may have restored an earlier epoch's).
        task.Model.eval();
        using (TorchSharp.torch.no_grad()) task.Validate();
        float threshold = task.TunedThreshold ?? options.Threshold;
        var metrics = task.Evaluate(test, threshold);
        double f1AtHalf = task.Evaluate(test, 0.5f).Overall.F1;
        foreach (var scene in test)
        {
            var probability = task.PredictPositive(scene);
            string name = $"{Safe(encoder)}-{mode}-seed{seed}-{scene.Name}.png";
            ChangeOverlay.WritePanel(Path.Combine(outDir, name), scene.Scene.Samples(0).Span, scene.Scene.Samples(1).Span, scene.Height, scene.Width,
                scene.Mask.Span, ChangeOverlay.Threshold(probability, threshold));
        }
        var o = metrics.Overall;
        return new Row(encoder, mode, seed, o.F1, o.IoU, o.Precision, o.Recall, o.OverallAccuracy,
            metrics.PerCity.ToDictionary(c => c.Key, c => c.Value.F1), result.BestEpoch, clock.Elapsed.TotalSeconds, threshold, f1AtHalf);
    }

    /// <summary>Encoder shape, the input contract it expects, and its starting weights (null for random).</summary>
    private static (ResNetOptions Layout, ImageInputSpec Input, ResNetEncoder? Weights) Encoder(string encoder, BenchmarkArgs args, int window)
    {
        // PNG scenes are held as floats 0..255.
        if (encoder == "random")
            return (new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = args.Int("width", 64) },
                ImageInputSpec.Rgb(window) with { SampleType = SampleType.Float32 }, null);
        if (encoder == "imagenet")
        {
            string dir = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
            var weights = InitialWeights.Load(Path.Combine(dir, "ResNet18Onnx", "ResNet18.onnx"), reverseInputChannels: true);
            var mean = MlNetResNetPreprocessing.ReadMeanImage(Path.Combine(dir, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
            var input = ImageInputSpec.Rgb(window, std: [1f / 255, 1f / 255, 1f / 255], meanImage: mean) with { SampleType = SampleType.Float32 };
            return (weights.Options, input, weights);
        }
        // The checkpoint's own input contract, mean image included (the normaliser resizes it to the window).
        var config = GeoSSL.Core.Training.Checkpoint.ReadConfig(encoder);
        return (config.Model.Encoder, config.Input.WithSize(window, window) with { SampleType = SampleType.Float32 }, InitialWeights.Load(encoder));
    }

    private static string Safe(string encoder) => new(Path.GetFileNameWithoutExtension(encoder).Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());

    private static void Write(List<Row> rows, string outDir, BenchmarkArgs args)
    {
        AtomicFile.WriteAllBytes(Path.Combine(outDir, "results.json"), JsonSerializer.SerializeToUtf8Bytes(rows, new JsonSerializerOptions
        {
            WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        var md = new StringBuilder();
        md.AppendLine("# OSCD change detection: one siamese U-Net, different encoders (issue 17)");
        md.AppendLine();
        md.AppendLine($"Fixed city split (train {string.Join(", ", CitySplit.Oscd.Train)}; validation {string.Join(", ", CitySplit.Oscd.Validation)} for early " +
            $"stopping on F1 at the best threshold, which is then used on the test cities; test {string.Join(", ", CitySplit.Oscd.Test)}). Settings: {args.Get("settings") ?? string.Join(" ", Environment.GetCommandLineArgs().Skip(1))}. " +
            $"{Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. F1/IoU/precision/recall of the change class pooled over the test cities' pixels.");
        md.AppendLine();
        var cities = rows.SelectMany(r => r.CityF1.Keys).Distinct().ToList();
        md.AppendLine($"| encoder | mode | seed | threshold | F1 | F1 at 0.5 | IoU | precision | recall | OA | {string.Join(" | ", cities.Select(c => $"F1 {c}"))} | best epoch | s |");
        md.AppendLine($"|---|---|---|---|---|---|---|---|---|---|{string.Concat(cities.Select(_ => "---|"))}---|---|");
        foreach (var r in rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {Path.GetFileNameWithoutExtension(r.Encoder)} | {r.Mode} | {r.Seed} | {r.Threshold:F2} | {r.F1:F3} | {r.F1AtHalf:F3} | {r.IoU:F3} | {r.Precision:F3} | {r.Recall:F3} | {r.Accuracy:F3} | ") +
                string.Join(" | ", cities.Select(c => r.CityF1.TryGetValue(c, out var f) ? f.ToString("F3", CultureInfo.InvariantCulture) : "")) + $" | {r.BestEpoch} | {r.Seconds:F0} |");
        WriteSummary(md, rows);
        AtomicFile.WriteAllBytes(Path.Combine(outDir, "results.md"), Encoding.UTF8.GetBytes(md.ToString()));
        ChangeChart.Write(rows.Select(r => (Path.GetFileNameWithoutExtension(r.Encoder), r.Mode, r.F1)).ToList(), Path.Combine(outDir, "results.png"));
    }

    /// <summary>Rows of earlier runs (their results.json) written as one report: e.g. the fine-tuned seeds and the frozen rows.</summary>
    private static int Merge(IEnumerable<string> files, string outDir, BenchmarkArgs args)
    {
        var options = new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        var rows = files.SelectMany(f => JsonSerializer.Deserialize<List<Row>>(File.ReadAllBytes(f), options) ?? []).ToList();
        Write(rows, outDir, args);
        Console.WriteLine($"Merged {rows.Count} rows into {outDir}");
        return 0;
    }

    /// <summary>Mean ± sample std over seeds per encoder and mode: a difference between encoders counts only beyond that spread.</summary>
    private static void WriteSummary(StringBuilder md, List<Row> rows)
    {
        var groups = rows.GroupBy(r => (r.Encoder, r.Mode)).Where(g => g.Count() > 1).ToList();
        if (groups.Count == 0) return;
        md.AppendLine();
        md.AppendLine("Over seeds (mean ± sample standard deviation):");
        md.AppendLine();
        md.AppendLine("| encoder | mode | seeds | F1 | IoU | precision | recall |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        static string MeanStd(IEnumerable<double> values)
        {
            var v = values.ToArray();
            double mean = v.Average(), std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / Math.Max(v.Length - 1, 1));
            return string.Create(CultureInfo.InvariantCulture, $"{mean:F3} ± {std:F3}");
        }
        foreach (var g in groups)
            md.AppendLine($"| {Path.GetFileNameWithoutExtension(g.Key.Encoder)} | {g.Key.Mode} | {g.Count()} | {MeanStd(g.Select(r => r.F1))} | {MeanStd(g.Select(r => r.IoU))} | " +
                $"{MeanStd(g.Select(r => r.Precision))} | {MeanStd(g.Select(r => r.Recall))} |");
    }
}
