using System.Diagnostics;
using System.Globalization;
using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Files;
using GeoSSL.Data.Records;

namespace GeoSSL.Samples.Pretrain;

/// <summary>
/// The <c>detect-changes</c> verb: change detection on whole cities. Training (<c>--cities DIR</c>): a siamese U-Net on random
/// windows of the training cities, early stopping and the change threshold chosen on the validation cities, then every test
/// city predicted with overlapping windows and scored (precision, recall, F1, IoU per city and pooled), overlay panels
/// written, and the trained model saved as <c>change.ckpt</c>. Scoring (<c>--model change.ckpt --cities DIR</c>): the saved
/// model, in a new process, on any cities in the same layouts. A city folder is an OSCD change city (t1.png, t2.png,
/// change.png, with the folder's manifest.csv) or a Sentinel-2 city as released (imgs_1/, imgs_2/, dates.txt, &lt;city&gt;-cm.tif;
/// <c>--bands</c>).
/// </summary>
internal static class ChangeCommand
{
    public static int Run(IReadOnlyDictionary<string, string> args)
    {
        if (!args.TryGetValue("cities", out var citiesFolder))
        {
            Console.Error.WriteLine("error: detect-changes needs --cities (a folder of city folders: OSCD change layout, or Sentinel-2 imgs_1/imgs_2 with <city>-cm.tif).");
            return 2;
        }
        string outDir = Path.GetFullPath(args.GetValueOrDefault("out") ?? RunOutputs.NextFreeFolder("runs/change", "change.ckpt"));
        Directory.CreateDirectory(outDir);
        try
        {
            return args.TryGetValue("model", out var model) ? Score(args, model, citiesFolder, outDir) : Train(args, citiesFolder, outDir);
        }
        catch (Exception e) when (e is GeoDataException or IOException or InvalidDataException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Train(IReadOnlyDictionary<string, string> args, string folder, string outDir)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> List(string name, IReadOnlyList<string> fallback) =>
            args.TryGetValue(name, out var v) ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : fallback;
        var trainNames = List("train", CitySplit.Oscd.Train);
        var validationNames = List("validation", CitySplit.Oscd.Validation);
        var testNames = List("test", CitySplit.Oscd.Test);
        var all = ChangeCities.Load(folder, trainNames.Concat(validationNames).Concat(testNames).ToList(), args.GetValueOrDefault("bands", ChangeCities.DefaultSentinel2Bands));
        IReadOnlyList<DenseScene> Part(IReadOnlyList<string> names) => all.Where(s => names.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var (train, validation, test) = (Part(trainNames), Part(validationNames), Part(testNames));
        if (train.Count == 0) throw new ArgumentException($"None of the training cities ({string.Join(",", trainNames)}) is in '{folder}'.");
        var bands = train[0].Scene.Bands;
        Console.WriteLine($"GeoSSL sample: change detection on {string.Join(",", bands)}; train {Names(train)} | validation {Names(validation)} | test {Names(test)} " +
            $"(loaded in {clock.Elapsed.TotalSeconds:F1}s)");

        string encoder = args.GetValueOrDefault("encoder", "random");
        var settings = new ChangeDetectionSettings
        {
            Window = Int(args, "window", 64), InitialEncoderPath = encoder == "random" ? null : encoder, InitialWeightsReverseChannels = args.ContainsKey("bgr"),
            BaseWidth = Int(args, "width", 64), Epochs = Int(args, "epochs", 8), LearningRate = double.Parse(args.GetValueOrDefault("lr", "0.01"), CultureInfo.InvariantCulture),
            Seed = Int(args, "seed", 1), BatchSize = Int(args, "batch", 8), WindowsPerEpoch = Int(args, "windows", 512),
            FreezeEncoder = args.ContainsKey("freeze-encoder"), Device = args.GetValueOrDefault("device", "auto"),
        };
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); Console.WriteLine("  Stopping after this step..."); };
        string modelPath = Path.Combine(outDir, "change.ckpt");
        TrainingResult result;
        try { result = ChangeDetectionRun.Train(settings, train, validation, modelPath, new TrainingRunOptions { Log = line => Console.WriteLine($"  {line}"), CancellationToken = stop.Token }); }
        catch (OperationCanceledException) { Console.Error.WriteLine("Stopped; nothing saved (change runs are short: start again)."); return 130; }

        using var predictor = DensePredictor.Load(modelPath, args.GetValueOrDefault("device", "auto"));
        Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0}s (best epoch {result.BestEpoch?.ToString() ?? "-"}); change threshold {predictor.Threshold:F2}; model: {modelPath}");
        if (test.Count > 0) Report(predictor, test, outDir, predictor.Threshold);
        return 0;
    }

    private static int Score(IReadOnlyDictionary<string, string> args, string modelPath, string folder, string outDir)
    {
        using var predictor = DensePredictor.Load(modelPath, args.GetValueOrDefault("device", "auto"));
        var names = args.TryGetValue("names", out var v) ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        var cities = ChangeCities.Load(folder, names, string.Join(",", predictor.Input.Bands));
        float threshold = args.TryGetValue("threshold", out var t) ? float.Parse(t, CultureInfo.InvariantCulture) : predictor.Threshold;
        Console.WriteLine($"GeoSSL sample: scoring {Names(cities)} with '{modelPath}' at change threshold {threshold:F2}");
        Report(predictor, cities, outDir, threshold);
        return 0;
    }

    /// <summary>Per-city and pooled scores, and one overlay panel per city (t1 | t2 | truth | prediction).</summary>
    private static void Report(DensePredictor predictor, IReadOnlyList<DenseScene> cities, string outDir, float threshold)
    {
        Console.WriteLine("city            F1     IoU    precision  recall  accuracy");
        var metrics = ChangeDetectionRun.Score(predictor, cities, outDir, threshold, (city, c) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{city,-14} {c.F1,6:F3} {c.IoU,6:F3} {c.Precision,9:F3} {c.Recall,7:F3} {c.OverallAccuracy,9:F3}")));
        var o = metrics.Overall;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"pooled",-14} {o.F1,6:F3} {o.IoU,6:F3} {o.Precision,9:F3} {o.Recall,7:F3} {o.OverallAccuracy,9:F3}"));
        Console.WriteLine($"Overlay panels (green = hit, red = false alarm, magenta = miss) in {outDir}");
    }

    private static string Names(IEnumerable<DenseScene> scenes) => string.Join(",", scenes.Select(s => s.Name));

    private static int Int(IReadOnlyDictionary<string, string> args, string name, int fallback) =>
        args.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
