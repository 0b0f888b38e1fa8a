using System.Diagnostics;
using System.Globalization;
using TestTimeAugmentation = GeoSSL.Core.Export.TestTimeAugmentation;
using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Probes encoders that already exist (ML.NET's ImageNet weights, pretraining checkpoints) on the ablation's EuroSAT split,
/// at one input size, without training anything. Each encoder is featurized once with a feature bank (the pools of
/// --pooled-layers, with --pool-std their channel standard deviations too, with --flip averaged with the mirror image),
/// cached under --cache; every --subsets entry (e.g. "3,4;2,3,4+std") and every --l2 weight is then probed on columns of it.
/// </summary>
internal static class ProbeEncoders
{
    public static int Run(BenchmarkArgs args)
    {
        var wall = Stopwatch.StartNew();
        int seed = args.Int("seed", 1), size = args.Int("size", 224), iterations = args.Int("iterations", 100);
        int[] layers = ParseLayers(args.Get("pooled-layers") ?? "4");
        bool std = args.Flag("pool-std");
        // --views hflip|flips|dihedral (--flip = hflip): test-time views averaged in the featurizer.
        var views = (args.Flag("flip") ? "hflip" : args.Get("views", "none")) switch
        {
            "none" => TestTimeAugmentation.None, "hflip" => TestTimeAugmentation.HorizontalFlip, "flips" => TestTimeAugmentation.Flips,
            "dihedral" => TestTimeAugmentation.Dihedral, var v => throw new ArgumentException($"--views {v}: none, hflip, flips or dihedral."),
        };
        string viewTag = views switch { TestTimeAugmentation.None => "", TestTimeAugmentation.HorizontalFlip => "flip", TestTimeAugmentation.Flips => "flips", _ => "dihedral" };
        string bankText = string.Join("+", layers.Select(l => $"layer{l}")) + (std ? " means+stds" : "") + (views == TestTimeAugmentation.None ? "" : $", averaged over {views.Views()} views ({views})");
        var subsets = (args.Get("subsets") ?? string.Join(",", layers) + (std ? "+std" : "")).Split(';').Select(s => s.Trim()).ToList();
        // --label-fractions 0.01,0.1,1: probes on that share of each class's training patches (the first ones of a fixed shuffle).
        var fractions = (args.Get("label-fractions") ?? "1").Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
        var l2s = (args.Get("l2") ?? "1").Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToList();
        string outDir = Path.GetFullPath(args.Get("out", "runs/probe"));
        string cacheDir = Path.GetFullPath(args.Get("cache", Path.Combine(outDir, "features")));
        Directory.CreateDirectory(outDir);
        var encoders = (args.Get("encoders") ?? "imagenet").Split(',').Select(e => e.Trim()).ToList();

        var ml = new MLContext(seed: seed);
        var (train, validation) = BenchmarkData.EuroSatSplit(args, seed, 0.8, null, null);
        var results = new AblationResults
        {
            Settings = new Dictionary<string, string>
            {
                ["evaluation data"] = $"shared/data/eurosat-rgb, stratified split seed {seed}: {train.Count} train / {validation.Count} validation patches",
                ["features"] = $"global pools of {bankText} at {size} px; rows use the subsets named in their method",
                ["probe"] = $"NormalizeMeanVariance + LbfgsMaximumEntropy (L2 as named, at most {iterations} iterations), ML.NET",
                ["kNN"] = "cosine, k 20, weights exp(cos/0.07), train split as the bank",
                ["encoders"] = string.Join(", ", encoders),
            },
        };
        foreach (var path in encoders)
        {
            string name = path == "imagenet" ? "ImageNet (ML.NET ResNet18 weights)" : Path.GetFileNameWithoutExtension(path);
            string key = $"{(path == "imagenet" ? "imagenet" : Path.GetFileNameWithoutExtension(path))}-{size}px-l{string.Join("", layers)}{(std ? "-std" : "")}{(viewTag == "" ? "" : "-" + viewTag)}-seed{seed}";
            Console.WriteLine($"== {name}: {bankText} at {size} px");
            var clock = Stopwatch.StartNew();
            var (trainBank, validationBank) = CachedBanks(ml, Path.Combine(cacheDir, key), () =>
            {
                byte[] onnx = path == "imagenet"
                    ? GeoSSL.MLNet.Featurizer.EncoderFiles.ImageNetAsOnnx(GeoSSL.MLNet.Featurizer.EncoderFiles.DefaultImageNetFolder, size, layers, std, views)
                    : GeoSSL.MLNet.Featurizer.EncoderFiles.LoadAsOnnx(path, imageSize: size, pooledLayers: layers, poolStandardDeviation: std, testTimeAugmentation: views);
                return new GeoImageFeaturizerEstimator(ml, onnx).Fit(ml.Data.LoadFromEnumerable(train.Take(1).ToList()));
            }, train, validation);
            double speed = (trainBank.Labels.Length + validationBank.Labels.Length) / clock.Elapsed.TotalSeconds;
            foreach (var subset in subsets)
            {
                var columns = Columns(layers, std, subset);
                var validationView = validationBank.Select(columns).ToDataView(ml);
                foreach (double fraction in fractions)
                foreach (float l2 in l2s)
                {
                    var trainView = trainBank.Select(columns).PerClassShare(fraction, seed).ToDataView(ml);
                    var knn = KnnEvaluation.Run(trainView, validationView, k: 20);
                    var probe = LinearProbe.Run(ml, trainView, validationView, l2Regularization: l2, maximumIterations: iterations);
                    string labels = fraction < 1 ? $", {fraction * 100:0.#}% labels" : "";
                    string method = $"{name}, {SubsetText(subset)}{(viewTag == "" ? "" : ", " + viewTag)}, L2 {l2.ToString(CultureInfo.InvariantCulture)}{labels}";
                    Console.WriteLine($"  {method}: linear top-1 {probe.Report.MicroAccuracy:P2}, macro-F1 {probe.Report.MacroF1:P2}, kNN top-1 {knn.MicroAccuracy:P2} " +
                        $"({columns.Count} features, probe {probe.Elapsed.TotalSeconds:F0}s)");
                    results.Rows.Add(new AblationRow
                    {
                        Method = method, Backbone = $"ResNet-18, {size} px", LinearTop1 = probe.Report.MicroAccuracy, LinearMacroF1 = probe.Report.MacroF1,
                        LinearMacroAccuracy = probe.Report.MacroAccuracy, KnnTop1 = knn.MicroAccuracy, FeaturizeImagesPerSecond = speed,
                        PerClassMarkdown = probe.Report.ToMarkdown(),
                    });
                    Ablation.Save(results, outDir, wall);
                }
            }
        }
        return 0;
    }

    /// <summary>Features of both splits from the cache, or featurized now and written there.</summary>
    private static (FeatureBank Train, FeatureBank Validation) CachedBanks(MLContext ml, string stem, Func<ITransformer> featurizer,
        List<PatchRow> train, List<PatchRow> validation)
    {
        string trainFile = stem + ".train.bin", validationFile = stem + ".validation.bin";
        if (File.Exists(trainFile) && File.Exists(validationFile))
        {
            Console.WriteLine($"  features from {stem}.*.bin");
            return (FeatureBank.Load(trainFile), FeatureBank.Load(validationFile));
        }
        var model = featurizer();
        using var disposable = model as IDisposable;
        var trainBank = FeatureBank.Featurize(model, ml.Data.LoadFromEnumerable(train));
        trainBank.Save(trainFile);
        var validationBank = FeatureBank.Featurize(model, ml.Data.LoadFromEnumerable(validation));
        validationBank.Save(validationFile);
        return (trainBank, validationBank);
    }

    private static int[] ParseLayers(string text) => text.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static string SubsetText(string subset)
    {
        bool std = subset.EndsWith("+std", StringComparison.Ordinal);
        var layers = ParseLayers(std ? subset[..^4] : subset);
        return string.Join("+", layers.Select(l => $"layer{l}")) + (std ? " means+stds" : "");
    }

    /// <summary>Column indices of a subset ("2,3,4" or "2,3,4+std") in a bank laid out as the exporter writes it: per bank layer its means, then (with std) its stds.</summary>
    private static List<int> Columns(int[] bankLayers, bool bankStd, string subset)
    {
        bool std = subset.EndsWith("+std", StringComparison.Ordinal);
        var wanted = ParseLayers(std ? subset[..^4] : subset);
        if (std && !bankStd) throw new ArgumentException($"Subset '{subset}' needs --pool-std.");
        var resnet = new ResNetOptions { Depth = GeoSSL.Core.Networks.ResNetDepth.ResNet18 };
        var columns = new List<int>();
        int offset = 0;
        foreach (int layer in bankLayers)
        {
            int width = resnet.StageWidth(layer);
            if (wanted.Contains(layer))
            {
                columns.AddRange(Enumerable.Range(offset, width));
                if (std) columns.AddRange(Enumerable.Range(offset + width, width));
            }
            offset += width * (bankStd ? 2 : 1);
        }
        if (wanted.Any(l => !bankLayers.Contains(l))) throw new ArgumentException($"Subset '{subset}' names layers outside --pooled-layers.");
        return columns;
    }
}
