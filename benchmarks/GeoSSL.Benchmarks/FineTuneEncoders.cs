using System.Diagnostics;
using System.Globalization;
using GeoSSL.Core.Import;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Classification;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Fine-tunes GeoImageClassifier end to end on the ablation's EuroSAT split from several starting points (random, ML.NET's
/// ImageNet ResNet18, pretraining checkpoints) with the same budget, at 100% and at smaller shares of the training labels
/// (the label-efficiency curve). Small shares train for more epochs so that every run takes at least --min-steps steps.
/// </summary>
internal static class FineTuneEncoders
{
    public static int Run(BenchmarkArgs args)
    {
        var wall = Stopwatch.StartNew();
        int seed = args.Int("seed", 1), splitSeed = args.Int("split-seed", 1), size = args.Int("size", 64), epochs = args.Int("epochs", 5);
        int batch = args.Int("batch", 64), minSteps = args.Int("min-steps", 300);
        double lr = args.Double("lr", 0.01);
        var fractions = args.Get("label-fractions", "1").Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
        var inits = args.Get("inits", "random,imagenet").Split(',').Select(e => e.Trim()).ToList();
        string outDir = Path.GetFullPath(args.Get("out", "runs/finetune"));
        Directory.CreateDirectory(outDir);

        var ml = new MLContext(seed: seed);
        var (train, validation) = BenchmarkData.EuroSatSplit(args, splitSeed, 0.8, null, null);
        var validationView = ml.Data.LoadFromEnumerable(validation);
        var results = new AblationResults
        {
            Settings = new Dictionary<string, string>
            {
                ["evaluation data"] = $"shared/data/eurosat-rgb, stratified split seed {splitSeed}: {train.Count} train / {validation.Count} validation patches",
                ["fine-tuning"] = $"GeoImageClassifier end to end at {size} px, batch {batch}, lr {lr.ToString(CultureInfo.InvariantCulture)} cosine, SGD momentum 0.9, " +
                    $"wd 1e-4, flips + resized crops 0.5-1; {epochs} epochs on all labels, more on fewer (at least {minSteps} steps); last epoch scored, no early stopping",
                ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
                ["accuracy column"] = "top-1 of the fine-tuned classifier on the validation split (not a linear probe)",
            },
        };
        foreach (double fraction in fractions)
        {
            var share = BenchmarkData.PerClassShare(train, r => r.Label, fraction, seed);
            int fractionEpochs = Math.Max(epochs, (int)Math.Ceiling(minSteps / Math.Ceiling(share.Count / (double)batch)));
            foreach (var init in inits)
            {
                string name = init switch { "random" => "random init", "imagenet" => "ImageNet (ML.NET ResNet18)", _ => Path.GetFileNameWithoutExtension(init) };
                string method = $"{name}, {fraction * 100:0.#}% labels ({share.Count} patches, {fractionEpochs} epochs)";
                Console.WriteLine($"== {method}");
                var options = new GeoImageClassifierTrainer.Options
                {
                    ImageSize = size, Epochs = fractionEpochs, BatchSize = batch, LearningRate = lr, Seed = seed, Device = args.Get("device", "auto"),
                    ReportEveryNSteps = 0, Progress = new Progress<TrainingProgress>(p => { if (p.IsEpochEnd) Console.WriteLine($"    {p}"); }),
                };
                if (init == "imagenet")
                {
                    // ML.NET's CNTK ResNet18 takes BGR pixels 0..255 minus its mean image; the classifier subtracts the image's channel means.
                    string folder = GeoSSL.MLNet.Featurizer.EncoderFiles.DefaultImageNetFolder;
                    options.InitialEncoderPath = Path.Combine(folder, "ResNet18Onnx", "ResNet18.onnx");
                    options.InitialWeightsReverseChannels = true;
                    options.Mean = MlNetResNetPreprocessing.ReadMeanImage(Path.Combine(folder, "ResNetPrepOnnx", "ResNetPreprocess.onnx")).ChannelMeans();
                    options.Std = [1f / 255, 1f / 255, 1f / 255];
                }
                else if (init != "random") options.InitialEncoderPath = init;
                var clock = Stopwatch.StartNew();
                var model = ml.Transforms.Conversion.MapValueToKey("Label")
                    .Append(ml.MulticlassClassification.Trainers.GeoImageClassifier(options)).Fit(ml.Data.LoadFromEnumerable(share));
                double seconds = clock.Elapsed.TotalSeconds;
                var (report, _) = ClassificationReport.Evaluate(ml, model.Transform(validationView));
                Console.WriteLine($"  {method}: top-1 {report.MicroAccuracy:P2}, macro-F1 {report.MacroF1:P2} ({seconds / 60:F1} min)");
                results.Rows.Add(new AblationRow
                {
                    Method = method, Backbone = $"ResNet-18, {size} px", LinearTop1 = report.MicroAccuracy, LinearMacroF1 = report.MacroF1,
                    LinearMacroAccuracy = report.MacroAccuracy, PretrainSeconds = seconds, PerClassMarkdown = report.ToMarkdown(),
                    Note = "end-to-end fine-tuning, not a linear probe",
                });
                Ablation.Save(results, outDir, wall);
                (model as IDisposable)?.Dispose();
            }
        }
        return 0;
    }
}
