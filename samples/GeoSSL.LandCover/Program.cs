// Land cover end to end on the bundled EuroSAT patches: an encoder turns each 64 px patch into a feature vector, a linear
// classifier (the "linear probe") learns the 10 classes from those features, and both are saved as ONE ML.NET model that
// a PredictionEngine loads and uses on a single image.
//
//   dotnet run --project samples/GeoSSL.LandCover -c Release [-- --epochs 1] [--encoder FILE] [--image-size 224]
//        [--manifest FILE] [--test-fraction 0.3] [--out runs/landcover]
//
// Without --encoder the encoder starts from ML.NET's ImageNet ResNet-18 (package Microsoft.ML.DnnImageFeaturizer.ResNet18)
// and is adapted for --epochs on the bundled unlabelled Sentinel-2 tiles with MoCo-v2 + Geo + TP. --encoder skips that and
// takes what the pretraining sample wrote: runs/sample/encoder.onnx or checkpoint.ckpt.
using GeoSSL.MLNet;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

var options = Args.Parse(args);
string manifest = Path.GetFullPath(options.GetValueOrDefault("manifest") ?? Args.FindUp("samples/data/eurosat-subset/manifest.csv"));
string imageFolder = Path.GetDirectoryName(manifest)!; // ImagePath in the manifest is relative to it
string outDir = Path.GetFullPath(options.GetValueOrDefault("out") ?? "runs/landcover");
Directory.CreateDirectory(outDir);
var clock = System.Diagnostics.Stopwatch.StartNew();
var ml = new MLContext(seed: 1);

// 1. The encoder: a file from --encoder, or ImageNet weights adapted briefly to Sentinel-2 tiles.
// --image-size: the side images are resized to for featurizing (ImageNet's 224 by default; smaller is faster).
int? imageSize = options.TryGetValue("image-size", out var side) ? int.Parse(side) : null;
string encoder = options.GetValueOrDefault("encoder") ?? PretrainFromImageNet(ml, int.Parse(options.GetValueOrDefault("epochs") ?? "1"), imageSize ?? 224, outDir);

// 2. Featurize. The encoder is frozen here: Fit only builds the ONNX scoring chain.
IDataView patches = ml.Data.LoadFromTextFile<Patch>(manifest, separatorChar: ',', hasHeader: true);
var split = ml.Data.TrainTestSplit(patches, testFraction: double.Parse(options.GetValueOrDefault("test-fraction") ?? "0.3"), seed: 1);
var featurizer = ml.Transforms.GeoFeaturizeImage(encoder, imageFolder: imageFolder, imageSize: imageSize).Fit(split.TrainSet);
// Cache: L-BFGS passes over the rows many times, and the encoder should run once per image.
var trainFeatures = ml.Data.Cache(featurizer.Transform(split.TrainSet));

// 3. Linear probe: standardise the features, multinomial logistic regression, class names back out.
var probe = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false))
    .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy())
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
    .Fit(trainFeatures);
using var model = featurizer.Append(probe); // one model: image path in, class out

// 4. Evaluate on the held-out patches: top-1, macro-F1 (the paper's F1) and a per-class table.
var (report, _) = ClassificationReport.Evaluate(ml, model.Transform(split.TestSet));
Console.WriteLine(report.ToMarkdown());
Console.WriteLine($"Test accuracy: {report.MicroAccuracy:P1} (macro-F1 {report.MacroF1:P1}) on {report.Count} patches");

// 5. Save featurizer + probe as a single zip (the ONNX encoder is embedded) and load it as an application would.
string modelPath = Path.Combine(outDir, "landcover.zip");
ml.Model.Save(model, patches.Schema, modelPath);
var app = new MLContext();
// Disposing a loaded model deletes the temporary copy of the ONNX encoder that loading writes.
using var loaded = (TransformerChain<ITransformer>)app.Model.Load(modelPath, out _);

// 6. One image through a PredictionEngine (row by row, as a web service would). Absolute paths work with any image folder.
using var engine = app.Model.CreatePredictionEngine<Patch, LandCoverPrediction>(loaded);
var sample = app.Data.CreateEnumerable<Patch>(split.TestSet, reuseRowObject: false).First();
var prediction = engine.Predict(new Patch { ImagePath = Path.Combine(imageFolder, sample.ImagePath) });
Console.WriteLine($"Saved {modelPath}");
Console.WriteLine($"PredictionEngine: {sample.ImagePath} -> {prediction.PredictedLabel} ({prediction.Score.Max():P0}; true class {sample.Label})");
Console.WriteLine($"Total time {clock.Elapsed.TotalSeconds:F1}s");
return 0;

// ImageNet weights + a short geo-aware pretraining (MoCo-v2 + geo clusters + temporal positives) on the bundled tiles.
// Returns the encoder as ONNX. Settings from README "Starting from ImageNet", scaled down to seconds on a laptop CPU.
static string PretrainFromImageNet(MLContext ml, int epochs, int featurizationSize, string outDir)
{
    string models = Path.Combine(AppContext.BaseDirectory, "DnnImageModels"); // copied there by the ResNet18 package
    string tiles = Path.GetDirectoryName(Args.FindUp("samples/data/oscd-subset/manifest.csv"))!;
    var unlabelled = ml.Data.LoadGeoManifest(Path.Combine(tiles, "manifest.csv"), timestampColumnName: "Date");
    var pretrain = ml.Transforms.GeoContrastivePretrain(new GeoContrastivePretrainEstimator.Options
    {
        InitialWeightsPath = Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx"),
        InitialWeightsReverseChannels = true,    // the CNTK model takes BGR
        MeanImageFile = Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"),
        Std = [1f / 255, 1f / 255, 1f / 255],    // 0..255 pixels minus the mean image, as ImageNet training saw them
        FreezeBatchNormStatistics = true, FrozenStages = 2, LearningRate = 0.001, // adapt gently; keep the early filters
        TimestampColumnName = "Timestamp", ImageSize = 64, BatchSize = 64, QueueSize = 256, GeoClusters = 8, Epochs = epochs,
        FeaturizationImageSize = featurizationSize, // 224: ImageNet's scale; the 64 px patches are upsampled
        PooledLayers = [3, 4],                   // layer3 + layer4 pools: +2 points on EuroSAT (README)
        MonitorEveryNEpochs = 0, Device = "cpu",
        OnnxExportPath = Path.Combine(outDir, "encoder.onnx"), OverwriteExistingOutputs = true,
    });
    pretrain.Fit(unlabelled).Dispose();
    var report = pretrain.LastReport!;
    Console.WriteLine($"Pretrained from ImageNet: {report.Epochs.Count} epoch(s) on {report.Images} tiles, loss {report.Epochs[^1].Loss:F3}");
    return Path.Combine(outDir, "encoder.onnx");
}

/// <summary>A manifest row: ImagePath (relative to the manifest's folder) and the class name.</summary>
public sealed class Patch
{
    [LoadColumn(0)] public string ImagePath { get; set; } = "";
    [LoadColumn(1)] public string Label { get; set; } = "";
}

public sealed class LandCoverPrediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}

static class Args
{
    /// <summary>"--name value" pairs.</summary>
    public static Dictionary<string, string> Parse(string[] args) =>
        Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i].TrimStart('-'), i => args[2 * i + 1]);

    /// <summary>A file of the repository, found from the program's folder upwards, so the sample runs from any folder of a clone.</summary>
    public static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        return relative;
    }
}
