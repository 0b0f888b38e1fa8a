using System.Diagnostics;
using GeoSSL.Data.Files;
using GeoSSL.Data.Scenes;
using GeoSSL.MLNet;
using Microsoft.ML;

namespace GeoSSL.Samples.Pretrain;

/// <summary>
/// The <c>pretrain-scenes</c> verb: pretrains from whole co-registered scenes instead of tiles. Random windows are cut from
/// every scene; the same window at the other date is its temporal positive, and its centre's latitude/longitude (from the
/// georeferencing) goes into the geo clusters. <c>--scenes</c> is either an OSCD change folder (city folders with t1.png,
/// t2.png and a manifest.csv: RGB) or comma-separated Sentinel-2 city folders with imgs_1/ and imgs_2/ band GeoTIFFs
/// (<c>--bands B02,B03,B04,B08</c> or <c>all</c>: multispectral, reflectance / 10000, per-band statistics from the windows).
/// </summary>
internal static class SceneCommand
{
    public static int Run(IReadOnlyDictionary<string, string> args)
    {
        if (!args.TryGetValue("scenes", out var scenesArg))
        {
            Console.Error.WriteLine("error: pretrain-scenes needs --scenes (an OSCD change folder, or comma-separated Sentinel-2 city folders).");
            return 2;
        }
        int window = int.Parse(args.GetValueOrDefault("window", "64"));
        int count = int.Parse(args.GetValueOrDefault("windows", "512"));
        string outDir = Path.GetFullPath(args.GetValueOrDefault("out") ?? RunOutputs.NextFreeFolder("runs/scenes", "checkpoint.ckpt", "encoder.onnx"));
        Directory.CreateDirectory(outDir);
        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) => { if (e.Source.Contains("GeoContrastivePretrain") && e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info) Console.WriteLine($"  [log] {e.RawMessage}"); };
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); Console.WriteLine("  Stopping after this step; writing a checkpoint..."); };

        var clock = Stopwatch.StartNew();
        IReadOnlyList<GeoScene> scenes;
        float divisor;
        try
        {
            var folders = scenesArg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            scenes = GeoScene.FromFolders(folders, args.GetValueOrDefault("bands", "B02,B03,B04,B08"));
            divisor = scenes[0].IsByteValued ? 255f : 10000f;
        }
        catch (Exception e) when (e is GeoSSL.Data.Records.GeoDataException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        var windows = SceneWindowSampler.Random(scenes, window, count, seed: 1);
        Console.WriteLine($"GeoSSL sample: {scenes.Count} scenes ({string.Join(", ", scenes.Select(s => $"{s.Name} {s.Width}x{s.Height}"))}), " +
            $"{windows.Bands.Count} bands {string.Join(",", windows.Bands)}; {count} windows of {window} px at {scenes[0].DateCount} dates " +
            $"(loaded in {clock.Elapsed.TotalSeconds:F1}s)");
        var data = ml.Data.LoadSceneWindows(windows);
        var options = new GeoContrastivePretrainEstimator.Options
        {
            ImageColumnName = "Image", TimestampColumnName = "Timestamp", Bands = windows.Bands.ToArray(), SampleDivisor = divisor,
            Architecture = ResNetDepth.ResNet18, ImageSize = window, BaseWidth = int.Parse(args.GetValueOrDefault("width", "32")),
            BatchSize = int.Parse(args.GetValueOrDefault("batch-size", "64")), QueueSize = 1024, EncoderMomentum = 0.99, GeoClusters = 16,
            Epochs = int.Parse(args.GetValueOrDefault("epochs", "4")), Device = args.GetValueOrDefault("device", "auto"),
            Threads = args.TryGetValue("threads", out var threads) ? int.Parse(threads) : null,
            OverwriteExistingOutputs = args.ContainsKey("overwrite"), CancellationToken = stop.Token,
            CheckpointPath = Path.Combine(outDir, "checkpoint.ckpt"), OnnxExportPath = Path.Combine(outDir, "encoder.onnx"),
            ResumeFromCheckpoint = args.GetValueOrDefault("resume"),
            Progress = new Progress<TrainingProgress>(p => { if (!p.IsEpochEnd) Console.WriteLine($"  {p}"); }),
        };
        var estimator = ml.Transforms.GeoContrastivePretrain(options);
        if (FitOutcome.Run(() => estimator.Fit(data), $"pretrain-scenes --scenes {scenesArg} --resume {options.CheckpointPath}", options.CheckpointPath, out var featurizer) is int stopped)
            return stopped;
        using (featurizer)
        {
            var report = estimator.LastReport!;
            Console.WriteLine($"Trained on {report.Images} window views of {report.Locations} windows, {report.GeoClusters} geo clusters, in {clock.Elapsed.TotalSeconds:F1}s.");
            Console.WriteLine("epoch   loss  contrastive   geo     img/s");
            foreach (var e in report.Epochs) Console.WriteLine($"{e.Epoch,5} {e.Loss,7:F4} {e.Metric(MetricNames.Contrastive),10:F4} {e.Metric(MetricNames.Geo),7:F4} {e.SamplesPerSecond,8:F1}");
            Console.WriteLine($"Input contract: {featurizer.Input}");
            string modelPath = Path.Combine(outDir, "featurizer.zip");
            ml.Model.Save(featurizer, data.Schema, modelPath);
            Console.WriteLine($"Saved: ML.NET model {modelPath} (input: a float vector column 'Image' [{windows.Bands.Count}, {window}, {window}])\n" +
                $"       ONNX encoder {options.OnnxExportPath}\n       checkpoint {options.CheckpointPath}");
        }
        return 0;
    }
}
