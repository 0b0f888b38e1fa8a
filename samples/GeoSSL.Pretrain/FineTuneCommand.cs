using System.Diagnostics;
using GeoSSL.Data.Files;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Classification;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Samples.Pretrain;

/// <summary>One line of the EuroSAT-style manifest.csv (ImagePath,Label).</summary>
public sealed class LabeledRow
{
    [LoadColumn(0)] public string ImagePath { get; set; } = "";
    [LoadColumn(1)] public string Label { get; set; } = "";
}

/// <summary>
/// The <c>finetune</c> verb: fine-tunes a ResNet-18 classifier on a labelled manifest (the bundled EuroSAT subset by default;
/// every fifth row is held out for validation) through <c>MulticlassClassification.Trainers.GeoImageClassifier</c>, with a
/// training checkpoint in the output folder. Ctrl+C stops within a step and writes it; <c>--resume</c> continues the run.
/// A second run keeps the first: without --out it writes to runs/finetune-2, -3, ...; into a folder that holds a run's
/// training checkpoint it stops unless it resumes from that checkpoint or --overwrite is given.
/// </summary>
internal static class FineTuneCommand
{
    public static int Run(IReadOnlyDictionary<string, string> args, string bundledManifest)
    {
        string manifest = Path.GetFullPath(args.GetValueOrDefault("manifest", bundledManifest));
        string? resume = args.GetValueOrDefault("resume");
        string outDir = Path.GetFullPath(args.GetValueOrDefault("out")
            ?? (resume is not null ? Path.GetDirectoryName(Path.GetFullPath(resume))! : RunOutputs.NextFreeFolder("runs/finetune", "training.ckpt", "classifier.onnx")));
        Directory.CreateDirectory(outDir);

        var ml = new MLContext(seed: 1);
        var rows = ml.Data.CreateEnumerable<LabeledRow>(ml.Data.LoadFromTextFile<LabeledRow>(manifest, separatorChar: ',', hasHeader: true), reuseRowObject: false).ToList();
        // A fixed split, so a resumed run sees the same rows in the same order (the checkpoint checks their counts).
        var trainRaw = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 != 4).ToList());
        var validationRaw = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % 5 == 4).ToList());
        var labelKeys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(trainRaw);

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); Console.WriteLine("  Stopping after this step; writing a training checkpoint..."); };
        ml.Log += (_, e) => { if (e.Source.Contains("GeoImageClassifier") && e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info) Console.WriteLine($"  [log] {e.RawMessage}"); };
        var options = new GeoImageClassifierTrainer.Options
        {
            ImageFolder = Path.GetDirectoryName(manifest),
            Architecture = ResNetDepth.ResNet18,
            ImageSize = int.Parse(args.GetValueOrDefault("image-size", "64")),
            BatchSize = int.Parse(args.GetValueOrDefault("batch-size", "32")),
            BaseWidth = int.Parse(args.GetValueOrDefault("width", "64")),
            Epochs = int.Parse(args.GetValueOrDefault("epochs", "10")),
            LearningRate = 0.05, // from random weights (see GeoImageClassifierTrainer.Options.LearningRate)
            Device = args.GetValueOrDefault("device", "auto"),
            Threads = args.TryGetValue("threads", out var threads) ? int.Parse(threads) : null,
            ValidationSet = labelKeys.Transform(validationRaw),
            TrainingCheckpointPath = Path.Combine(outDir, "training.ckpt"),
            CheckpointEveryNSteps = int.Parse(args.GetValueOrDefault("checkpoint-every-steps", "0")),
            ResumeFromTrainingCheckpoint = resume,
            OverwriteExistingOutputs = args.ContainsKey("overwrite"),
            CheckpointPath = Path.Combine(outDir, "classifier.ckpt"),
            OnnxExportPath = Path.Combine(outDir, "classifier.onnx"),
            CancellationToken = stop.Token,
            Progress = new Progress<TrainingProgress>(p => { if (!p.IsEpochEnd) Console.WriteLine($"  {p}"); }),
        };
        Console.WriteLine($"GeoSSL sample: fine-tuning {options.Architecture} (width {options.BaseWidth}, {options.ImageSize}px) on {manifest}");
        var clock = Stopwatch.StartNew();
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(options);
        if (FitOutcome.Run(() => estimator.Fit(labelKeys.Transform(trainRaw)), $"finetune --resume {options.TrainingCheckpointPath}", options.TrainingCheckpointPath, out var model) is int stopped)
            return stopped;
        using (model)
        {
            var report = estimator.LastReport!;
            Console.WriteLine($"Trained on {report.TrainingImages} images, validated on {report.ValidationImages}, in {clock.Elapsed.TotalSeconds:F1}s.");
            Console.WriteLine("epoch  train loss  train acc  val loss  val acc   img/s");
            foreach (var e in report.Epochs)
                Console.WriteLine($"{e.Epoch,5} {e.Metrics["loss"],11:F4} {e.Metrics["accuracy"],10:P1} {e.Validation?["loss"],9:F4} {e.Validation?["accuracy"],8:P1} {e.SamplesPerSecond,7:F1}");
            string modelPath = Path.Combine(outDir, "classifier.zip");
            ml.Model.Save(model, null, modelPath);
            Console.WriteLine($"Saved: ML.NET model {modelPath}\n       ONNX classifier {options.OnnxExportPath}\n       classifier checkpoint {options.CheckpointPath}" +
                $"\n       training checkpoint {options.TrainingCheckpointPath}");
        }
        return 0;
    }
}
