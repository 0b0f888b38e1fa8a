using System.Diagnostics;
using GeoSSL.Data.Files;
using GeoSSL.MLNet;
using GeoSSL.Samples.Pretrain;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage:
//   pretrain [--manifest FILE] [--out DIR] [--epochs N] [--variant MoCoV2GeoTemporalPositives] [--device auto] [--resume CKPT]
//            [--batch-size 64] [--image-size 64] [--width 64] [--checkpoint-every-steps N] [--threads N] [--overwrite]
//   pretrain-scenes --scenes FOLDER[,FOLDER...] [--bands B02,B03,B04,B08|all] [--window 64] [--windows 512] [--epochs 4]
//            [--width 32] [--batch-size 64] [--out DIR] [--resume CKPT] (OSCD change folder, or Sentinel-2 city folders; see SceneCommand)
//   featurize --model MODEL.zip (--manifest FILE | --rasters TIF_OR_FOLDER[,...] [--bands B02,...|all] [--size 64]) --out FEATURES.csv
//   finetune [--manifest FILE] [--out DIR] [--epochs N] [--device auto] [--resume TRAINING.ckpt] [--batch-size 32] [--image-size 64]
//            [--width 64] [--checkpoint-every-steps N] [--threads N] [--overwrite]   (bundled EuroSAT subset; see FineTuneCommand)
// A second run keeps the first: without --out it writes to runs/sample-2, runs/sample-3, ...; with --out to a folder that
// holds a run it stops (unless --overwrite). Ctrl+C stops within a step and writes a checkpoint to resume from.
// The verb may be left out: options alone (as the README shows them) mean pretrain.
bool verbGiven = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal);
var argsMap = ParseArgs(args.Skip(verbGiven ? 1 : 0).ToArray());
string verb = verbGiven ? args[0] : "pretrain";
if (verb == "finetune") return FineTuneCommand.Run(argsMap, FindBundledManifest("eurosat-subset"));
if (verb == "pretrain-scenes") return SceneCommand.Run(argsMap);
if (verb == "detect-changes") return ChangeCommand.Run(argsMap);
string repoData = FindBundledManifest("oscd-subset");
string manifest = Path.GetFullPath(argsMap.GetValueOrDefault("manifest", repoData));
var ml = new MLContext(seed: 1);
string imageFolder = Path.GetDirectoryName(manifest)!;
var data = ml.Data.LoadFromTextFile<ManifestRow>(manifest, separatorChar: ',', hasHeader: true);

if (verb == "featurize")
{
    // Used by the tests to prove that a saved featurizer gives the same features in a fresh process.
    var model = ml.Model.Load(argsMap["model"], out _);
    IDataView input;
    if (argsMap.TryGetValue("rasters", out var rasters))
    {
        // Multispectral featurizers take a tensor column: GeoTIFFs (or Sentinel-2 band folders) read at the encoder's size.
        var bands = argsMap.TryGetValue("bands", out var b) ? (b == "all" ? GeoSSL.Data.Rasters.Sentinel2BandFiles.AllBands : b.Split(',')) : null;
        input = ml.Data.LoadGeoTiffs(rasters.Split(','), int.Parse(argsMap.GetValueOrDefault("size", "64")), bands);
    }
    else
    {
        // Absolute paths work whatever image folder the saved featurizer was built with.
        var rows = ml.Data.CreateEnumerable<ManifestRow>(data, reuseRowObject: false).ToList();
        foreach (var r in rows) r.ImagePath = Path.GetFullPath(Path.Combine(imageFolder, r.ImagePath));
        input = ml.Data.LoadFromEnumerable(rows);
    }
    var features = model.Transform(input);
    using var writer = new StreamWriter(argsMap["out"]);
    var getterColumn = features.Schema[argsMap.GetValueOrDefault("column", "Features")];
    using var cursor = features.GetRowCursor(new[] { getterColumn });
    var getter = cursor.GetGetter<VBuffer<float>>(getterColumn);
    VBuffer<float> v = default;
    while (cursor.MoveNext())
    {
        getter(ref v);
        writer.WriteLine(string.Join(",", v.DenseValues().Select(f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
    }
    return 0;
}
if (verb != "pretrain") { Console.Error.WriteLine($"Unknown command '{verb}'. Use 'pretrain', 'pretrain-scenes', 'finetune', 'featurize' or 'detect-changes'."); return 2; }

string? resume = argsMap.GetValueOrDefault("resume");
string outDir = Path.GetFullPath(argsMap.GetValueOrDefault("out")
    ?? (resume is not null ? Path.GetDirectoryName(Path.GetFullPath(resume))! : RunOutputs.NextFreeFolder("runs/sample", "checkpoint.ckpt", "encoder.onnx")));
Directory.CreateDirectory(outDir);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); Console.WriteLine("  Stopping after this step; writing a checkpoint..."); };
ml.Log += (_, e) => { if (e.Source.Contains("GeoContrastivePretrain") && e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info) Console.WriteLine($"  [log] {e.RawMessage}"); };
var options = new GeoContrastivePretrainEstimator.Options
{
    ImageFolder = imageFolder,
    TimestampColumnName = "Date",
    Variant = Enum.Parse<PretrainVariant>(argsMap.GetValueOrDefault("variant", nameof(PretrainVariant.MoCoV2GeoTemporalPositives))),
    // A CPU-sized recipe for 64 px tiles; the paper's defaults (ResNet-50, 224 px, batch 256, K 65536) need a GPU.
    Architecture = ResNetDepth.ResNet18,
    ImageSize = int.Parse(argsMap.GetValueOrDefault("image-size", "64")),
    BatchSize = int.Parse(argsMap.GetValueOrDefault("batch-size", "64")),
    BaseWidth = int.Parse(argsMap.GetValueOrDefault("width", "64")),
    CheckpointEveryNSteps = int.Parse(argsMap.GetValueOrDefault("checkpoint-every-steps", "0")),
    Threads = argsMap.TryGetValue("threads", out var threads) ? int.Parse(threads) : null,
    OverwriteExistingOutputs = argsMap.ContainsKey("overwrite"),
    CancellationToken = stop.Token,
    QueueSize = 1024,
    EncoderMomentum = 0.99,
    GeoClusters = 16,
    Epochs = int.Parse(argsMap.GetValueOrDefault("epochs", "12")),
    Device = argsMap.GetValueOrDefault("device", "auto"),
    CheckpointPath = Path.Combine(outDir, "checkpoint.ckpt"),
    ResumeFromCheckpoint = resume,
    OnnxExportPath = Path.Combine(outDir, "encoder.onnx"),
    Progress = new Progress<TrainingProgress>(p => { if (!p.IsEpochEnd) Console.WriteLine($"  {p}"); }),
};
Console.WriteLine($"GeoSSL sample: pretraining {options.Variant} ({options.Architecture}, {options.ImageSize}px) on {manifest}");
var clock = Stopwatch.StartNew();
var estimator = ml.Transforms.GeoContrastivePretrain(options);
if (FitOutcome.Run(() => estimator.Fit(data), $"--resume {options.CheckpointPath}", options.CheckpointPath, out var featurizer) is int stopped) return stopped;
var report = estimator.LastReport!;
Console.WriteLine($"Trained on {report.Images} images of {report.Locations} locations, {report.GeoClusters} geo clusters, in {clock.Elapsed.TotalSeconds:F1}s.");
Console.WriteLine("epoch   loss  contrastive   geo     img/s");
foreach (var e in report.Epochs) Console.WriteLine($"{e.Epoch,5} {e.Loss,7:F4} {e.Metric(MetricNames.Contrastive),10:F4} {e.Metric(MetricNames.Geo),7:F4} {e.SamplesPerSecond,8:F1}");

string modelPath = Path.Combine(outDir, "featurizer.zip");
ml.Model.Save(featurizer, data.Schema, modelPath);
var first = ml.Data.CreateEnumerable<FeatureRow>(featurizer.Transform(ml.Data.TakeRows(data, 1)), reuseRowObject: false).First();
Console.WriteLine($"Featurizer: {first.Features.Length} floats per image; first image starts [{string.Join(", ", first.Features.Take(4).Select(f => f.ToString("F3")))} ...]");
Console.WriteLine($"Saved: ML.NET model {modelPath}\n       ONNX encoder {options.OnnxExportPath}\n       checkpoint {options.CheckpointPath}");
Console.WriteLine($"Total time {clock.Elapsed.TotalSeconds:F1}s.");
return 0;

static Dictionary<string, string> ParseArgs(string[] a)
{
    var map = new Dictionary<string, string>();
    for (int i = 0; i < a.Length; i++)
    {
        if (!a[i].StartsWith("--")) throw new ArgumentException($"Unexpected argument '{a[i]}'.");
        map[a[i][2..]] = i + 1 < a.Length && !a[i + 1].StartsWith("--") ? a[++i] : ""; // a flag such as --overwrite
    }
    return map;
}

static string FindBundledManifest(string subset)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "samples", "data", subset, "manifest.csv");
        if (File.Exists(candidate)) return candidate;
    }
    return Path.Combine("samples", "data", subset, "manifest.csv");
}

sealed class FeatureRow { public float[] Features { get; set; } = []; }
