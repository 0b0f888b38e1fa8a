using System.CommandLine;
using GeoSSL.Cli.Charts;
using GeoSSL.Cli.Progress;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Classification;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;
using Spectre.Console;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// <c>geossl finetune</c>: a ResNet classifier trained end to end on labelled images through the ML.NET trainer
/// (<c>GeoImageClassifier</c>), from random, ImageNet or any encoder file. Writes classifier.zip (an ML.NET model),
/// classifier.onnx, classifier.ckpt, training.ckpt, loss.png and confusion.png (validation images). Ctrl+C writes
/// training.ckpt and exits with 130; --resume continues.
/// </summary>
internal static class FinetuneCommand
{
    public static Command Create(CliIo io)
    {
        var manifest = CliOptions.File("--manifest", "Labelled CSV (image column and label column).", required: true);
        var labelColumn = CliOptions.Make("--label-column", "Label column.", "Label");
        var imageColumn = CliOptions.Make("--image-column", "Image path column.", "ImagePath");
        var encoder = CliOptions.Make("--encoder", "Starting weights: random, imagenet, or a file (GeoSSL checkpoint, ONNX ResNet, state dict).", "random");
        var arch = CliOptions.Make("--arch", "resnet18 or resnet50 (random start only; files bring their own).", "resnet18");
        arch.AcceptOnlyFromAmong("resnet18", "resnet50");
        var width = CliOptions.AtLeast("--width", "Channels of the first ResNet stage (random start only).", 64, 4);
        var imageSize = CliOptions.AtLeast("--image-size", "Image side in pixels.", 64, 8);
        var batchSize = CliOptions.AtLeast("--batch-size", "Images per step.", 32, 1);
        var epochs = CliOptions.AtLeast("--epochs", "Passes over the training images.", 10, 1);
        var lr = new Option<double?>("--lr") { Description = "Learning rate; default 0.05 from random weights, 0.01 from pretrained ones." };
        lr.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is { } v && !(v > 0)) r.AddError($"--lr must be positive; got {v}."); });
        var fraction = CliOptions.Make("--validation-fraction", "Share of the rows held out for validation (every n-th row, so a resume sees the same split).", 0.2);
        fraction.Validators.Add(r => { double f = r.GetValueOrDefault<double>(); if (!(f > 0 && f < 1)) r.AddError($"--validation-fraction must be between 0 and 1; got {f}."); });
        var freeze = new Option<bool>("--freeze-backbone") { Description = "Train only the classification head." };
        var device = CliOptions.Device();
        var resume = CliOptions.File("--resume", "training.ckpt of an interrupted run to continue.");
        var output = new Option<string>("--out") { Description = "Output folder.", Required = true, HelpName = "DIR" };
        var seed = CliOptions.Seed();
        var command = new Command("finetune", "Fine-tune a ResNet classifier on labelled images.")
        {
            manifest, labelColumn, imageColumn, encoder, arch, width, imageSize, batchSize, epochs, lr, fraction, freeze, device, resume, output, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string manifestPath = Inputs.ExistingFile(parse.GetValue(manifest), "--manifest");
            string? resumeFrom = parse.GetValue(resume) is { } r ? Inputs.ExistingFile(r, "--resume") : null;
            string encoderChoice = parse.GetValue(encoder)!;
            string? initial = encoderChoice switch
            {
                "random" => null,
                "imagenet" => ImageNetWeights.Require(),
                _ => Inputs.ExistingFile(encoderChoice, "--encoder"),
            };
            string outDir = Inputs.OutputFolder(parse.GetValue(output)!, "--out");
            var ml = new MLContext(seed: parse.GetValue(seed));
            var (rows, _) = ImageTable.FromManifest(ml, manifestPath, parse.GetValue(imageColumn)!, parse.GetValue(labelColumn)!, null);
            int every = Math.Max(2, (int)Math.Round(1 / parse.GetValue(fraction)));
            var trainRaw = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % every != every - 1).ToList());
            var validationRaw = ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % every == every - 1).ToList());
            var labelKeys = ml.Transforms.Conversion.MapValueToKey(nameof(ImageRow.Label)).Fit(trainRaw);
            var validation = labelKeys.Transform(validationRaw);
            string trainingCheckpoint = Path.Combine(outDir, "training.ckpt");
            var options = new GeoImageClassifierTrainer.Options
            {
                LabelColumnName = nameof(ImageRow.Label), ImageColumnName = nameof(ImageRow.ImagePath),
                InitialEncoderPath = initial, InitialWeightsReverseChannels = encoderChoice == "imagenet",
                Mean = encoderChoice == "imagenet" ? ImageNetWeights.Mean : null, Std = encoderChoice == "imagenet" ? ImageNetWeights.Std : null,
                Architecture = parse.GetValue(arch) == "resnet50" ? ResNetDepth.ResNet50 : ResNetDepth.ResNet18, BaseWidth = parse.GetValue(width),
                ImageSize = parse.GetValue(imageSize), BatchSize = parse.GetValue(batchSize), Epochs = parse.GetValue(epochs),
                LearningRate = parse.GetValue(lr) ?? (initial is null ? 0.05 : 0.01), FreezeBackbone = parse.GetValue(freeze),
                Seed = parse.GetValue(seed), Device = parse.GetValue(device)!, ValidationSet = validation, ReportEveryNSteps = 1,
                TrainingCheckpointPath = trainingCheckpoint, ResumeFromTrainingCheckpoint = resumeFrom, OverwriteExistingOutputs = true,
                CheckpointPath = Path.Combine(outDir, "classifier.ckpt"), OnnxExportPath = Path.Combine(outDir, "classifier.onnx"),
                CancellationToken = cancellationToken,
            };
            io.Out.MarkupLineInterpolated($"Fine-tuning from [bold]{encoderChoice}[/] on {manifestPath}");
            var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(options);
            GeoImageClassificationTransformer model;
            try
            {
                model = await TrainingProgressBar.RunAsync(io, "fine-tuning", progress =>
                {
                    options.Progress = progress;
                    return estimator.Fit(labelKeys.Transform(trainRaw));
                });
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return StoppedRun.Report(io, trainingCheckpoint, parse);
            }
            using (model)
            {
                var report = estimator.LastReport!;
                ml.Model.Save(model, null, Path.Combine(outDir, "classifier.zip"));
                LossChart.Write(Path.Combine(outDir, "loss.png"), report.Result, "fine-tuning");
                var (scores, metrics) = ClassificationReport.Evaluate(ml, model.Transform(validation), nameof(ImageRow.Label));
                ConfusionChart.Write(Path.Combine(outDir, "confusion.png"), metrics.ConfusionMatrix.Counts.Select(c => (IReadOnlyList<double>)c.ToList()).ToList(),
                    scores.Classes.Select(c => c.Name).ToList(), $"validation, {scores.Count} images");
                var table = new Table().AddColumns("epoch", "train loss", "train acc", "val loss", "val acc", "img/s");
                foreach (var e in report.Epochs)
                    table.AddRow($"{e.Epoch}", $"{e.Loss:F4}", $"{e.Metric(MetricNames.Accuracy):P1}", $"{e.ValidationMetric(MetricNames.Loss):F4}",
                        $"{e.ValidationMetric(MetricNames.Accuracy):P1}", $"{e.SamplesPerSecond:F1}");
                io.Out.Write(table);
                io.Out.MarkupLineInterpolated($"Validation top-1 {scores.MicroAccuracy:P1}, macro-F1 {scores.MacroF1:P1} on {scores.Count} images ({report.TrainingImages} trained on).");
                io.Out.MarkupLineInterpolated($"Wrote classifier.zip, classifier.onnx, classifier.ckpt, training.ckpt, loss.png and confusion.png in [bold]{outDir}[/]");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
