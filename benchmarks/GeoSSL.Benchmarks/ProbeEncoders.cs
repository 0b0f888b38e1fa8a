using System.Diagnostics;
using System.Globalization;
using GeoSSL.Core.Export;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.MLNet;
using Microsoft.ML;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Probes encoders that already exist (ML.NET's ImageNet weights, pretraining checkpoints) on the ablation's EuroSAT split,
/// at one input size and with chosen pooled layers, without training anything: e.g. layer3+layer4 features of every
/// encoder an ablation run left in its encoders/ folder.
/// </summary>
internal static class ProbeEncoders
{
    public static int Run(BenchmarkArgs args)
    {
        var wall = Stopwatch.StartNew();
        int seed = args.Int("seed", 1), size = args.Int("size", 224);
        int[] layers = (args.Get("pooled-layers") ?? "4").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        string layerText = string.Join("+", layers.Select(l => $"layer{l}"));
        string outDir = Path.GetFullPath(args.Get("out", "runs/probe"));
        Directory.CreateDirectory(outDir);
        var encoders = (args.Get("encoders") ?? "imagenet").Split(',').Select(e => e.Trim()).ToList();

        var ml = new MLContext(seed: seed);
        var (train, validation) = BenchmarkData.EuroSatSplit(args, seed, 0.8, null, null);
        var trainView = ml.Data.LoadFromEnumerable(train);
        var validationView = ml.Data.LoadFromEnumerable(validation);
        var results = new AblationResults
        {
            Settings = new Dictionary<string, string>
            {
                ["evaluation data"] = $"shared/data/eurosat-rgb, stratified split seed {seed}: {train.Count} train / {validation.Count} validation patches",
                ["features"] = $"global average pools of {layerText}, concatenated, at {size} px",
                ["probe"] = "NormalizeMeanVariance + LbfgsMaximumEntropy (L2 1), ML.NET",
                ["kNN"] = "cosine, k 20, weights exp(cos/0.07), train split as the bank",
                ["encoders"] = string.Join(", ", encoders),
            },
        };
        foreach (var path in encoders)
        {
            Console.WriteLine($"== {path}, {layerText} at {size} px");
            byte[] onnx;
            string name;
            if (path == "imagenet")
            {
                onnx = GeoSSL.MLNet.Featurizer.EncoderFiles.ImageNetAsOnnx(GeoSSL.MLNet.Featurizer.EncoderFiles.DefaultImageNetFolder, size, layers);
                name = "ImageNet features (ML.NET ResNet18 weights)";
            }
            else
            {
                onnx = GeoSSL.MLNet.Featurizer.EncoderFiles.LoadAsOnnx(path, imageSize: size, pooledLayers: layers);
                name = Path.GetFileNameWithoutExtension(path);
            }
            using var featurizer = new GeoImageFeaturizerEstimator(ml, onnx).Fit(trainView);
            results.Rows.Add(Ablation.Evaluate(ml, $"{name}, {layerText}", $"ResNet-18, {size} px", featurizer, trainView, validationView));
            Ablation.Save(results, outDir, wall);
        }
        return 0;
    }
}
