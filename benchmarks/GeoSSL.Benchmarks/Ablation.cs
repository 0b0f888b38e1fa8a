using GeoSSL.Core.Engine;
using System.Diagnostics;
using System.Globalization;
using GeoSSL.Core.Export;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;
using ResNetDepth = GeoSSL.Core.Networks.ResNetDepth;
using PretrainVariant = GeoSSL.MLNet.PretrainVariant;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;
using MetricNames = GeoSSL.MLNet.MetricNames;

namespace GeoSSL.Benchmarks;

/// <summary>
/// The paper's ablation at CPU scale: pretrain MoCo-v2, +TP, +Geo, +Geo+TP and geo-only on the shared OSCD tiles, then
/// linear-probe (ML.NET LbfgsMaximumEntropy on standardised features) and kNN-classify EuroSAT with a fixed stratified
/// train/validation split, beside a random-init encoder. Writes results.md, results.json and results.png.
/// </summary>
internal static class Ablation
{
    private static readonly (string Name, PretrainVariant Variant)[] AllVariants =
    [
        ("MoCo-v2", PretrainVariant.MoCoV2), ("MoCo-v2+TP", PretrainVariant.MoCoV2TemporalPositives),
        ("MoCo-v2+Geo", PretrainVariant.MoCoV2Geo), ("MoCo-v2+Geo+TP", PretrainVariant.MoCoV2GeoTemporalPositives),
        ("Geo only", PretrainVariant.GeoOnly),
    ];

    public static int Run(BenchmarkArgs args)
    {
        var wall = Stopwatch.StartNew();
        int seed = args.Int("seed", 1);
        int size = args.Int("size", 64);
        // Pooled ResNet features work at any input size: --featurize-size lets an encoder pretrained on small crops featurize larger ones.
        int featureSize = args.Int("featurize-size", size);
        // --also-featurize-size: every encoder is also probed at this second size (same weights, resized tiles).
        int? alsoSize = args.Get("also-featurize-size") is null ? null : args.Int("also-featurize-size", featureSize);
        string At(int px) => alsoSize is null ? "" : $" @{px} px"; // rows of one encoder at two sizes need distinct names
        string sizes = featureSize == size ? $"{size} px" : $"pretrained at {size} px, features at {featureSize} px";
        string outDir = Path.GetFullPath(args.Get("out", "runs/ablation"));
        Directory.CreateDirectory(Path.Combine(outDir, "encoders"));
        var encoder = new ResNetOptions
        {
            Depth = args.Int("depth", 18) == 50 ? ResNetDepth.ResNet50 : ResNetDepth.ResNet18, BaseWidth = args.Int("width", 64),
            SmallInputStem = args.Flag("small-stem"),
        };
        var backbone = $"ResNet-{(encoder.Depth == ResNetDepth.ResNet50 ? 50 : 18)}{(encoder.BaseWidth != 64 ? $" w{encoder.BaseWidth}" : "")}{(encoder.SmallInputStem ? " small stem" : "")}, {sizes}";
        var variants = args.Get("variants") is { } list
            ? list.Split(',').Select(v => AllVariants.FirstOrDefault(a => a.Variant.ToString().Equals(v.Trim(), StringComparison.OrdinalIgnoreCase)
                || a.Name.Equals(v.Trim(), StringComparison.OrdinalIgnoreCase))).Where(v => v.Name is not null).ToArray()
            : AllVariants;

        var ml = new MLContext(seed: seed);
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.Contains("GeoContrastivePretrain")) Console.WriteLine($"    {e.RawMessage}");
        };
        var tiles = BenchmarkData.OscdTiles(args);
        if (args.Get("max-tiles") is not null) tiles = tiles.Take(args.Int("max-tiles", tiles.Count)).ToList(); // speed pilots
        // --split-seed keeps the EuroSAT split fixed while --seed varies the pretraining (seed-spread runs).
        int splitSeed = args.Int("split-seed", seed);
        var (train, validation) = BenchmarkData.EuroSatSplit(args, splitSeed, 0.8, NullableInt(args, "train-per-class"), NullableInt(args, "val-per-class"));
        int monitorPerClass = args.Int("monitor-per-class", 50);
        var monitor = train.GroupBy(p => p.Label).SelectMany(g => g.Take(monitorPerClass)).ToList();
        var settings = new Dictionary<string, string>
        {
            ["pretraining data"] = $"shared/data/oscd-s2-rgb: {tiles.Count} tiles, {tiles.Select(t => t.LocationId).Distinct().Count()} locations, {tiles.Select(t => t.City).Distinct().Count()} cities",
            ["evaluation data"] = $"shared/data/eurosat-rgb, stratified split seed {splitSeed}: {train.Count} train / {validation.Count} validation patches",
            ["backbone"] = backbone,
            ["epochs"] = args.Int("epochs", 10).ToString(CultureInfo.InvariantCulture),
            ["batch"] = args.Int("batch", 128).ToString(CultureInfo.InvariantCulture),
            ["queue"] = args.Int("queue", 1024).ToString(CultureInfo.InvariantCulture),
            ["key momentum"] = args.Double("momentum", 0.99).ToString(CultureInfo.InvariantCulture),
            ["temperature"] = args.Double("temperature", 0.2).ToString(CultureInfo.InvariantCulture),
            ["learning rate"] = $"{args.Double("lr", 0.03).ToString(CultureInfo.InvariantCulture)}, SGD momentum 0.9, wd 1e-4, cosine, warm-up {args.Double("warmup", 0).ToString(CultureInfo.InvariantCulture)} epochs",
            ["geo clusters"] = args.Int("geo-clusters", 100).ToString(CultureInfo.InvariantCulture),
            ["geo loss weight (beta)"] = args.Double("geo-weight", 1).ToString(CultureInfo.InvariantCulture),
            ["geo head learning rate"] = args.Get("geo-head-lr") ?? "the shared rate",
            ["probe"] = "NormalizeMeanVariance + LbfgsMaximumEntropy (L2 1), ML.NET",
            ["kNN"] = "cosine, k 20, weights exp(cos/0.07), train split as the bank",
            ["kNN monitor"] = $"leave-one-out on {monitor.Count} train-split patches",
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
        };
        var results = new AblationResults { Settings = settings };
        Console.WriteLine($"Ablation: {backbone}; {settings["pretraining data"]}; {settings["evaluation data"]}");

        var trainView = ml.Data.LoadFromEnumerable(train);
        var validationView = ml.Data.LoadFromEnumerable(validation);

        if (!args.Flag("skip-random"))
        {
            Console.WriteLine("== Random init");
            var onnx = BaselineEncoders.RandomInit(encoder, size, seed);
            using var featurizer = new GeoImageFeaturizerEstimator(ml, onnx).Fit(trainView);
            results.Rows.Add(Evaluate(ml, "Random init", backbone, featurizer, trainView, validationView) with { });
            Save(results, outDir, wall);
        }

        // --imagenet: ML.NET's ImageNet ResNet-18 weights (CNTK, BGR, 0..255 minus the channel means) as features and as
        // the starting point of every variant.
        string? imagenet = args.Flag("imagenet") ? Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx") : args.Get("init-onnx");
        int frozenStages = args.Int("frozen-stages", 0);
        float[] imagenetMean = [123.15f / 255f, 115.90f / 255f, 103.06f / 255f], imagenetStd = [1f / 255f, 1f / 255f, 1f / 255f];
        // --mean-image: ML.NET's own preprocessing for these weights (a 224x224 per-pixel mean), instead of its channel averages.
        var meanImage = imagenet is not null && args.Flag("mean-image")
            ? MlNetResNetPreprocessing.ReadMeanImage(Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx"))
            : null;
        if (imagenet is not null) backbone = $"ResNet-18 [2,2,2,3] ImageNet, {sizes}";
        if (imagenet is not null && !args.Flag("skip-imagenet-features"))
        {
            Console.WriteLine("== ImageNet weights (ML.NET's ResNet18.onnx, imported)");
            var layout = OnnxResNetImporter.ReadLayout(imagenet);
            using var net = new ResNetEncoder(layout);
            OnnxResNetImporter.LoadInto(net, imagenet, reverseInputChannels: true);
            net.eval();
            var onnx = OnnxEncoderExporter.Export(net, new OnnxExportOptions { InputHeight = featureSize, InputWidth = featureSize, InputScale = 1f / 255f, Mean = imagenetMean, Std = imagenetStd, MeanImage = meanImage });
            using var featurizer = new GeoImageFeaturizerEstimator(ml, onnx).Fit(trainView);
            results.Rows.Add(Evaluate(ml, "ImageNet features (ML.NET ResNet18 weights)" + At(featureSize), $"ResNet-18 [2,2,2,3] ImageNet, {featureSize} px", featurizer, trainView, validationView));
            if (alsoSize is { } extra)
            {
                var small = OnnxEncoderExporter.Export(net, new OnnxExportOptions { InputHeight = extra, InputWidth = extra, InputScale = 1f / 255f, Mean = imagenetMean, Std = imagenetStd, MeanImage = meanImage });
                using var smallFeaturizer = new GeoImageFeaturizerEstimator(ml, small).Fit(trainView);
                results.Rows.Add(Evaluate(ml, "ImageNet features (ML.NET ResNet18 weights)" + At(extra), $"ResNet-18 [2,2,2,3] ImageNet, {extra} px", smallFeaturizer, trainView, validationView));
            }
            Save(results, outDir, wall);
            if (!args.Flag("skip-dnn-featurizer"))
            {
                // The featurizer a .NET developer uses today, exactly as its documentation composes it: 224 px, ML.NET's
                // own ResNet18 preprocessing (RGB to BGR, mean image), ONNX Runtime row by row.
                Console.WriteLine("== ML.NET DnnFeaturizeImage (ResNet18, 224 px)");
                var dnn = ml.Transforms.LoadImages("DnnImage", "", "ImagePath")
                    .Append(ml.Transforms.ResizeImages("DnnImage", 224, 224, "DnnImage"))
                    .Append(ml.Transforms.ExtractPixels("DnnPixels", "DnnImage"))
                    .Append(ml.Transforms.DnnFeaturizeImage("Features",
                        m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn, Path.Combine(AppContext.BaseDirectory, "DnnImageModels")), "DnnPixels"))
                    .Fit(trainView);
                results.Rows.Add(Evaluate(ml, "ML.NET DnnFeaturizeImage ResNet18", "ResNet-18 [2,2,2,3] ImageNet, 224 px", dnn, trainView, validationView));
                Save(results, outDir, wall);
            }
        }
        if (imagenet is not null)
        {
            settings["initial weights"] = "ML.NET ResNet18.onnx (ImageNet, CNTK), BGR flipped into conv1, " + (meanImage is null
                ? "channel means 123.15/115.90/103.06 subtracted, std 1 (0..255 scale)"
                : "ML.NET's 224x224 mean image (ResNetPreprocess.onnx) subtracted, resized to the input size, std 1 (0..255 scale)");
            settings["adaptation"] = $"BatchNorm statistics {(args.Flag("freeze-bn") ? "frozen" : "updated")}, frozen stages {frozenStages} (1 = stem, 2 = +layer1, ...)";
            Save(results, outDir, wall);
        }

        var tileView = ml.Data.LoadFromEnumerable(tiles);
        var monitorView = ml.Data.LoadFromEnumerable(monitor);
        foreach (var (name, variant) in variants)
        {
            Console.WriteLine($"== {name}");
            var options = new GeoContrastivePretrainEstimator.Options
            {
                Variant = variant, TimestampColumnName = "Date", Architecture = encoder.Depth.ToPublic(), BaseWidth = encoder.BaseWidth,
                SmallInputStem = encoder.SmallInputStem, ImageSize = size, FeaturizationImageSize = featureSize, FrozenStages = frozenStages, Epochs = args.Int("epochs", 10), BatchSize = args.Int("batch", 128),
                QueueSize = args.Int("queue", 1024), EncoderMomentum = args.Double("momentum", 0.99), Temperature = args.Double("temperature", 0.2),
                LearningRate = args.Double("lr", 0.03), WarmupEpochs = args.Double("warmup", 0), GeoClusters = args.Int("geo-clusters", 100),
                GeoWeight = args.Double("geo-weight", 1),
                GeoHeadLearningRate = args.Get("geo-head-lr") is { } geoLr ? double.Parse(geoLr, CultureInfo.InvariantCulture) : null,
                VerticalFlipProbability = args.Double("vflip", 0), MinCropScale = args.Double("min-crop", 0.2),
                Seed = seed, Device = args.Get("device", "auto"), ReportEveryNSteps = 0,
                MonitorData = monitorView, MonitorEveryNEpochs = args.Int("monitor-every", 2),
                OnnxExportPath = Path.Combine(outDir, "encoders", $"{variant}.onnx"),
                CheckpointPath = Path.Combine(outDir, "encoders", $"{variant}.ckpt"), CheckpointEveryNEpochs = 0,
            };
            if (imagenet is not null)
            {
                options.InitialWeightsPath = imagenet;
                options.InitialWeightsReverseChannels = true;
                options.FreezeBatchNormStatistics = args.Flag("freeze-bn");
                options.Mean = imagenetMean;
                options.Std = imagenetStd;
                options.MeanImage = meanImage;
            }
            var estimator = ml.Transforms.GeoContrastivePretrain(options);
            var clock = Stopwatch.StartNew();
            using var featurizer = estimator.Fit(tileView);
            double seconds = clock.Elapsed.TotalSeconds;
            var report = estimator.LastReport!;
            string method = imagenet is null ? name : $"ImageNet + {name}";
            var row = Evaluate(ml, method + At(featureSize), backbone, featurizer, trainView, validationView) with
            {
                PretrainSeconds = seconds, GeoClusters = report.GeoClusters,
                Epochs = report.Epochs.Select(e => new EpochRecord(e.Epoch, e.Loss, e.Metric(MetricNames.Contrastive), e.Metric(MetricNames.Geo), e.ValidationMetric(MetricNames.KnnTop1), e.ValidationMetric(MetricNames.EmbeddingStd), e.SamplesPerSecond)).ToList(),
            };
            results.Rows.Add(row);
            Save(results, outDir, wall);
            // --also-pooled-layers 3,4;2,3,4: the same encoder, features from the pools of several stages (re-exported from the checkpoint).
            foreach (var alsoLayers in (args.Get("also-pooled-layers") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                int[] layers = alsoLayers.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                string layerText = string.Join("+", layers.Select(l => $"layer{l}"));
                using var pooled = ml.Transforms.GeoFeaturizeImage(options.CheckpointPath, imageSize: featureSize, pooledLayers: layers).Fit(trainView);
                results.Rows.Add(Evaluate(ml, $"{method}{At(featureSize)}, {layerText}", $"{backbone}, {layerText} pools", pooled, trainView, validationView)
                    with { PretrainSeconds = seconds, GeoClusters = report.GeoClusters });
                Save(results, outDir, wall);
            }
            if (alsoSize is { } extra)
            {
                // The same encoder, featurizing at the second size (exported again from the checkpoint at that size).
                using var other = ml.Transforms.GeoFeaturizeImage(options.CheckpointPath, imageSize: extra).Fit(trainView);
                string otherBackbone = $"{backbone.Split(", ")[0]}, pretrained at {size} px, features at {extra} px";
                results.Rows.Add(Evaluate(ml, method + At(extra), otherBackbone, other, trainView, validationView) with { PretrainSeconds = seconds, GeoClusters = report.GeoClusters });
                Save(results, outDir, wall);
            }
        }

        int fineTuneEpochs = args.Int("supervised-epochs", 3);
        if (fineTuneEpochs > 0)
        {
            Console.WriteLine("== Supervised (from scratch)");
            results.Rows.Add(FineTune(ml, "Supervised (from scratch)", backbone, encoder, size, null, fineTuneEpochs, seed, args, trainView, validationView));
            Save(results, outDir, wall);
            if (args.Flag("fine-tune"))
                foreach (var (name, variant) in variants)
                {
                    Console.WriteLine($"== {name}, fine-tuned");
                    results.Rows.Add(FineTune(ml, $"{name} (fine-tuned)", backbone, encoder, size, Path.Combine(outDir, "encoders", $"{variant}.ckpt"),
                        fineTuneEpochs, seed, args, trainView, validationView));
                    Save(results, outDir, wall);
                }
        }
        settings["supervised / fine-tuning"] = fineTuneEpochs > 0
            ? $"GeoImageClassifier, {fineTuneEpochs} epochs, batch 64, lr {args.Double("ft-lr", 0.01).ToString(CultureInfo.InvariantCulture)} cosine, flips + crops 0.5-1; end-to-end accuracy (not a linear probe)"
            : "skipped";

        Save(results, outDir, wall);
        Console.WriteLine();
        Console.WriteLine(results.ToMarkdown());
        Console.WriteLine($"Wrote {Path.Combine(outDir, "results.md")}, results.json and results.png. Wall time {wall.Elapsed.TotalMinutes:F1} min.");
        return 0;
    }

    /// <summary>End-to-end training of encoder + linear head (random init: the supervised baseline; or from a pretraining checkpoint).</summary>
    private static AblationRow FineTune(MLContext ml, string method, string backbone, ResNetOptions encoder, int size, string? checkpoint,
        int epochs, int seed, BenchmarkArgs args, IDataView train, IDataView validation)
    {
        var clock = Stopwatch.StartNew();
        var trainer = ml.MulticlassClassification.Trainers.GeoImageClassifier(new GeoSSL.MLNet.Classification.GeoImageClassifierTrainer.Options
        {
            Architecture = encoder.Depth.ToPublic(), BaseWidth = encoder.BaseWidth, SmallInputStem = encoder.SmallInputStem, ImageSize = size,
            InitialEncoderPath = checkpoint, Epochs = epochs, BatchSize = 64, LearningRate = args.Double("ft-lr", 0.01), Seed = seed,
            Device = args.Get("device", "auto"), ReportEveryNSteps = 0,
            Progress = new Progress<TrainingProgress>(p => { if (p.IsEpochEnd) Console.WriteLine($"    {p}"); }),
        });
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(train);
        double seconds = clock.Elapsed.TotalSeconds;
        var scored = model.Transform(validation);
        var (report, _) = ClassificationReport.Evaluate(ml, scored);
        Console.WriteLine($"  {method}: top-1 {report.MicroAccuracy:P2}, macro-F1 {report.MacroF1:P2} ({seconds / 60:F1} min)");
        return new AblationRow
        {
            Method = method, Backbone = backbone, LinearTop1 = report.MicroAccuracy, LinearMacroF1 = report.MacroF1, LinearMacroAccuracy = report.MacroAccuracy,
            KnnTop1 = null, PretrainSeconds = seconds, PerClassMarkdown = report.ToMarkdown(), Note = "end-to-end training, not a linear probe",
        };
    }

    private static int? NullableInt(BenchmarkArgs args, string name) => args.Get(name) is null ? null : args.Int(name, 0);

    internal static AblationRow Evaluate(MLContext ml, string method, string backbone, ITransformer featurizer, IDataView train, IDataView validation)
    {
        var clock = Stopwatch.StartNew();
        var trainFeatures = FeatureRows.Materialize(ml, featurizer, train);
        double speed = trainFeatures.Count / clock.Elapsed.TotalSeconds;
        var validationFeatures = FeatureRows.Materialize(ml, featurizer, validation);
        var probe = LinearProbe.Run(ml, trainFeatures.View, validationFeatures.View);
        var knn = KnnEvaluation.Run(trainFeatures.View, validationFeatures.View, k: 20);
        Console.WriteLine($"  {method}: linear top-1 {probe.Report.MicroAccuracy:P2}, macro-F1 {probe.Report.MacroF1:P2}, kNN top-1 {knn.MicroAccuracy:P2} " +
            $"(featurize {speed:F0} img/s, probe {probe.Elapsed.TotalSeconds:F0}s)");
        return new AblationRow
        {
            Method = method, Backbone = backbone, LinearTop1 = probe.Report.MicroAccuracy, LinearMacroF1 = probe.Report.MacroF1,
            LinearMacroAccuracy = probe.Report.MacroAccuracy, KnnTop1 = knn.MicroAccuracy, FeaturizeImagesPerSecond = speed,
            PerClassMarkdown = probe.Report.ToMarkdown(),
        };
    }

    /// <summary>Rewrites results.md and results.png of a finished run from its results.json.</summary>
    public static int Replot(BenchmarkArgs args)
    {
        string outDir = Path.GetFullPath(args.Get("out", "runs/ablation"));
        var results = AblationResults.FromJson(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Write(results, outDir);
        Console.WriteLine($"Rewrote {outDir}/results.md and results.png.");
        return 0;
    }

    internal static void Save(AblationResults results, string outDir, Stopwatch wall)
    {
        results.WallSeconds = wall.Elapsed.TotalSeconds;
        Write(results, outDir);
    }

    private static void Write(AblationResults results, string outDir)
    {
        var md = new System.Text.StringBuilder();
        md.AppendLine("# GeoSSL.MLNet ablation (EuroSAT linear probe on the validation split)");
        md.AppendLine();
        md.Append(results.ToMarkdown());
        md.AppendLine();
        md.AppendLine("F1 = macro-F1, accuracy = top-1 of the linear probe, in %.");
        md.AppendLine();
        foreach (var (k, v) in results.Settings) md.AppendLine($"- {k}: {v}");
        md.AppendLine($"- wall time: {results.WallSeconds / 60:F1} min");
        File.WriteAllText(Path.Combine(outDir, "results.md"), md.ToString());
        File.WriteAllText(Path.Combine(outDir, "results.json"), results.ToJson());
        ChartWriter.Write(results, Path.Combine(outDir, "results.png"));
    }
}

/// <summary>Labels and features read once into memory, so probes and kNN never re-run the encoder.</summary>
internal sealed record FeatureRows(IDataView View, int Count)
{
    public static FeatureRows Materialize(MLContext ml, ITransformer featurizer, IDataView data)
    {
        var bank = FeatureBank.Featurize(featurizer, data);
        return new FeatureRows(bank.ToDataView(ml), bank.Labels.Length);
    }
}
