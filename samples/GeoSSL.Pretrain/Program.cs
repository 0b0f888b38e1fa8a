using System.Diagnostics;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Options;
using GeoSSL.Samples.Pretrain;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage:
//   pretrain [--manifest FILE] [--out DIR] [--epochs N] [--variant MoCoV2GeoTemporalPositives] [--device auto] [--resume CKPT]
//   featurize --model MODEL.zip --manifest FILE --out FEATURES.csv
var argsMap = ParseArgs(args.Skip(1).ToArray());
string verb = args.FirstOrDefault() ?? "pretrain";
string repoData = FindBundledManifest();
string manifest = Path.GetFullPath(argsMap.GetValueOrDefault("manifest", repoData));
var ml = new MLContext(seed: 1);
string imageFolder = Path.GetDirectoryName(manifest)!;
var data = ml.Data.LoadFromTextFile<ManifestRow>(manifest, separatorChar: ',', hasHeader: true);

if (verb == "featurize")
{
    // Used by the tests to prove that a saved featurizer gives the same features in a fresh process.
    var model = ml.Model.Load(argsMap["model"], out _);
    // Absolute paths work whatever image folder the saved featurizer was built with.
    var rows = ml.Data.CreateEnumerable<ManifestRow>(data, reuseRowObject: false).ToList();
    foreach (var r in rows) r.ImagePath = Path.GetFullPath(Path.Combine(imageFolder, r.ImagePath));
    var features = model.Transform(ml.Data.LoadFromEnumerable(rows));
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
if (verb != "pretrain") { Console.Error.WriteLine($"Unknown command '{verb}'. Use 'pretrain' or 'featurize'."); return 2; }

string outDir = Path.GetFullPath(argsMap.GetValueOrDefault("out", "runs/sample"));
Directory.CreateDirectory(outDir);
ml.Log += (_, e) => { if (e.Source.Contains("GeoContrastivePretrain") && e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info) Console.WriteLine($"  [log] {e.RawMessage}"); };
var options = new GeoContrastivePretrainOptions
{
    ImageFolder = imageFolder,
    TimestampColumnName = "Date",
    Variant = Enum.Parse<PretrainVariant>(argsMap.GetValueOrDefault("variant", nameof(PretrainVariant.MoCoV2GeoTemporalPositives))),
    // A CPU-sized recipe for 64 px tiles; the paper's defaults (ResNet-50, 224 px, batch 256, K 65536) need a GPU.
    Architecture = ResNetDepth.ResNet18,
    ImageSize = 64,
    BatchSize = 64,
    QueueSize = 1024,
    EncoderMomentum = 0.99,
    GeoClusters = 16,
    Epochs = int.Parse(argsMap.GetValueOrDefault("epochs", "12")),
    Device = argsMap.GetValueOrDefault("device", "auto"),
    CheckpointPath = Path.Combine(outDir, "checkpoint.ckpt"),
    ResumeFromCheckpoint = argsMap.GetValueOrDefault("resume"),
    OnnxExportPath = Path.Combine(outDir, "encoder.onnx"),
    Progress = new Progress<PretrainProgress>(p => { if (!p.IsEpochEnd) Console.WriteLine($"  {p}"); }),
};
Console.WriteLine($"GeoSSL sample: pretraining {options.Variant} ({options.Architecture}, {options.ImageSize}px) on {manifest}");
var clock = Stopwatch.StartNew();
var estimator = ml.Transforms.GeoContrastivePretrain(options);
var featurizer = estimator.Fit(data);
var report = estimator.LastReport!;
Console.WriteLine($"Trained on {report.Images} images of {report.Locations} locations, {report.GeoClusters} geo clusters, in {clock.Elapsed.TotalSeconds:F1}s.");
Console.WriteLine("epoch   loss  contrastive   geo     img/s");
foreach (var e in report.Epochs) Console.WriteLine($"{e.Epoch,5} {e.Loss,7:F4} {e.ContrastiveLoss,10:F4} {e.GeoLoss,7:F4} {e.ImagesPerSecond,8:F1}");

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
        map[a[i][2..]] = i + 1 < a.Length ? a[++i] : throw new ArgumentException($"Missing value for {a[i]}.");
    }
    return map;
}

static string FindBundledManifest()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "samples", "data", "oscd-subset", "manifest.csv");
        if (File.Exists(candidate)) return candidate;
    }
    return Path.Combine("samples", "data", "oscd-subset", "manifest.csv");
}

sealed class FeatureRow { public float[] Features { get; set; } = []; }
