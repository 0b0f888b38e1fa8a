using System.Diagnostics;
using System.Globalization;
using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Files;
using GeoSSL.Data.Input;
using GeoSSL.Data.Rasters;
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
        var all = Cities(folder, args, trainNames.Concat(validationNames).Concat(testNames).ToList());
        IReadOnlyList<DenseScene> Part(IReadOnlyList<string> names) => all.Where(s => names.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var (train, validation, test) = (Part(trainNames), Part(validationNames), Part(testNames));
        if (train.Count == 0) throw new ArgumentException($"None of the training cities ({string.Join(",", trainNames)}) is in '{folder}'.");
        int window = Int(args, "window", 64);
        var bands = train[0].Scene.Bands;
        var input = InputFor(train, window);
        Console.WriteLine($"GeoSSL sample: change detection on {string.Join(",", bands)}; train {Names(train)} | validation {Names(validation)} | test {Names(test)} " +
            $"(loaded in {clock.Elapsed.TotalSeconds:F1}s)");

        string encoder = args.GetValueOrDefault("encoder", "random");
        using var initial = encoder == "random" ? null : InitialWeights.Load(encoder, args.ContainsKey("bgr"), bands.Count == 3 ? null : bands.ToList());
        var layout = initial?.Options ?? new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = Int(args, "width", 64), InputChannels = bands.Count };
        var schedule = new TrainingSchedule
        {
            Epochs = Int(args, "epochs", 8), LearningRate = double.Parse(args.GetValueOrDefault("lr", "0.01"), CultureInfo.InvariantCulture), WarmupEpochs = 1,
            Seed = Int(args, "seed", 1), ReportEveryNSteps = 0, EarlyStoppingPatience = validation.Count > 0 ? 4 : null, EarlyStoppingMetric = "f1_tuned",
        };
        var options = new DenseTaskOptions
        {
            Model = DenseModelOptions.Change(layout) with { FreezeEncoder = args.ContainsKey("freeze-encoder") },
            WindowSize = window, BatchSize = Int(args, "batch", 8), WindowsPerEpoch = Int(args, "windows", 512),
        };
        var loop = new TrainingLoop(schedule, args.GetValueOrDefault("device", "auto"));
        using var task = loop.Build(d => new DenseTask(d, options, input, train, validation, schedule.Seed));
        if (initial is not null) task.Model.LoadEncoderWeights(initial);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); Console.WriteLine("  Stopping after this step..."); };
        TrainingResult result;
        try { result = loop.Run(task, new TrainingRunOptions { Log = line => Console.WriteLine($"  {line}"), CancellationToken = stop.Token }); }
        catch (OperationCanceledException) { Console.Error.WriteLine("Stopped; nothing saved (change runs are short: start again)."); return 130; }

        string modelPath = Path.Combine(outDir, "change.ckpt");
        DensePredictor.Save(modelPath, task, schedule, result);
        using var predictor = DensePredictor.Load(modelPath, args.GetValueOrDefault("device", "auto"));
        Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0}s (best epoch {result.BestEpoch?.ToString() ?? "-"}); change threshold {predictor.Threshold:F2}; model: {modelPath}");
        if (test.Count > 0) Report(predictor, test, outDir, predictor.Threshold);
        return 0;
    }

    private static int Score(IReadOnlyDictionary<string, string> args, string modelPath, string folder, string outDir)
    {
        using var predictor = DensePredictor.Load(modelPath, args.GetValueOrDefault("device", "auto"));
        var names = args.TryGetValue("names", out var v) ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        var args2 = new Dictionary<string, string>(args) { ["bands"] = string.Join(",", predictor.Input.Bands) };
        var cities = Cities(folder, args2, names);
        float threshold = args.TryGetValue("threshold", out var t) ? float.Parse(t, CultureInfo.InvariantCulture) : predictor.Threshold;
        Console.WriteLine($"GeoSSL sample: scoring {Names(cities)} with '{modelPath}' at change threshold {threshold:F2}");
        Report(predictor, cities, outDir, threshold);
        return 0;
    }

    /// <summary>Per-city and pooled scores, and one overlay panel per city (t1 | t2 | truth | prediction).</summary>
    private static void Report(DensePredictor predictor, IReadOnlyList<DenseScene> cities, string outDir, float threshold)
    {
        var metrics = new ChangeMetrics();
        Console.WriteLine("city            F1     IoU    precision  recall  accuracy");
        foreach (var city in cities)
        {
            var probability = predictor.PredictPositive(city);
            metrics.Add(city.Name, probability, city.Mask.Span, threshold);
            var c = metrics.PerCity[city.Name];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{city.Name,-14} {c.F1,6:F3} {c.IoU,6:F3} {c.Precision,9:F3} {c.Recall,7:F3} {c.OverallAccuracy,9:F3}"));
            var rgb = RgbPlanes(city);
            ChangeOverlay.WritePanel(Path.Combine(outDir, $"{city.Name}.png"), rgb.T1, rgb.T2, city.Height, city.Width, city.Mask.Span,
                ChangeOverlay.Threshold(probability, threshold));
        }
        var o = metrics.Overall;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"pooled",-14} {o.F1,6:F3} {o.IoU,6:F3} {o.Precision,9:F3} {o.Recall,7:F3} {o.OverallAccuracy,9:F3}"));
        Console.WriteLine($"Overlay panels (green = hit, red = false alarm, magenta = miss) in {outDir}");
    }

    /// <summary>The cities of a folder: OSCD change layout (manifest.csv) or Sentinel-2 city folders as released.</summary>
    private static IReadOnlyList<DenseScene> Cities(string folder, IReadOnlyDictionary<string, string> args, IReadOnlyList<string>? names)
    {
        if (File.Exists(Path.Combine(folder, "manifest.csv"))) return DenseScene.FromOscdChange(folder, names);
        if (!Directory.Exists(folder)) throw new GeoDataException($"Cities folder '{folder}' does not exist.", filePath: folder);
        var dirs = Directory.GetDirectories(folder).Where(d => Directory.Exists(Path.Combine(d, "imgs_1"))).OrderBy(d => d, StringComparer.Ordinal)
            .Where(d => names is null || names.Contains(Path.GetFileName(d), StringComparer.OrdinalIgnoreCase)).ToList();
        if (dirs.Count == 0) throw new GeoDataException($"'{folder}' has neither a manifest.csv (OSCD change layout) nor Sentinel-2 city folders with imgs_1/.", filePath: folder);
        return dirs.Select(d => DenseScene.FromSentinel2Change(d, args.GetValueOrDefault("bands", "B02,B03,B04,B08"))).ToList();
    }

    /// <summary>RGB 0..255 with ImageNet statistics; other bands: reflectance (÷ 10000) with per-band statistics of the training cities.</summary>
    private static ImageInputSpec InputFor(IReadOnlyList<DenseScene> train, int window)
    {
        var bands = train[0].Scene.Bands;
        if (bands.SequenceEqual(ImageInputSpec.RgbBands)) return ImageInputSpec.Rgb(window) with { SampleType = SampleType.Float32 };
        // Date 1 of every training city, scaled to reflectance; the statistics the encoder is normalised with.
        var stats = BandStatistics.Compute(train.Select(c => c.Scene.Samples(0).ToArray().Select(v => v / 10000f).ToArray()), bands.Count);
        var mu = stats.Mean.Select(m => (float)m).ToArray();
        var sd = stats.Std.Select(s => (float)Math.Max(s, 1e-6)).ToArray();
        return ImageInputSpec.Multispectral(bands.ToList(), window, mu, sd, SampleType.Float32);
    }

    /// <summary>The dates as RGB planes for the overlay: RGB scenes as they are, Sentinel-2 B04/B03/B02 stretched to 0..255.</summary>
    private static (float[] T1, float[] T2) RgbPlanes(DenseScene city)
    {
        var bands = city.Scene.Bands;
        if (bands.SequenceEqual(ImageInputSpec.RgbBands)) return (city.Scene.Samples(0).ToArray(), city.Scene.Samples(1).ToArray());
        int plane = city.Height * city.Width;
        float[] Planes(int date)
        {
            var samples = city.Scene.Samples(date).Span;
            var rgb = new float[3 * plane];
            string[] order = ["B04", "B03", "B02"];
            for (int c = 0; c < 3; c++)
            {
                int b = bands.ToList().IndexOf(order[c]);
                if (b < 0) b = Math.Min(c, bands.Count - 1);
                for (int i = 0; i < plane; i++) rgb[c * plane + i] = Math.Clamp(samples[b * plane + i] / 3000f * 255f, 0f, 255f); // ~0.3 reflectance = white
            }
            return rgb;
        }
        return (Planes(0), Planes(1));
    }

    private static string Names(IEnumerable<DenseScene> scenes) => string.Join(",", scenes.Select(s => s.Name));

    private static int Int(IReadOnlyDictionary<string, string> args, string name, int fallback) =>
        args.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
