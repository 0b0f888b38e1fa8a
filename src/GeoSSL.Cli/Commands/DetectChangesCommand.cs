using System.CommandLine;
using GeoSSL.Cli.Charts;
using GeoSSL.Cli.Progress;
using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Data.Dense;
using Spectre.Console;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// <c>geossl detect-changes</c>: change detection on whole cities through the library's <see cref="ChangeDetectionRun"/>.
/// Without --model it trains (OSCD's fixed split, or --train/--validation/--test lists), saves change.ckpt and loss.png, and
/// scores the test cities; with --model change.ckpt it scores the cities given. Per-city and pooled precision, recall, F1 and
/// IoU as a table, and one overlay PNG per city (green hit, red false alarm, magenta miss).
/// </summary>
internal static class DetectChangesCommand
{
    public static Command Create(CliIo io)
    {
        var cities = new Option<string>("--cities") { Description = "Folder of cities: OSCD change layout (manifest.csv) or Sentinel-2 city folders.", Required = true, HelpName = "DIR" };
        var model = CliOptions.File("--model", "A trained change.ckpt: score --cities with it instead of training.");
        var names = new Option<string>("--names") { Description = "Scoring: comma-separated cities to score (default: all).", HelpName = "LIST" };
        var train = new Option<string>("--train") { Description = "Training cities (default: OSCD's fixed split).", HelpName = "LIST" };
        var validation = new Option<string>("--validation") { Description = "Validation cities: early stopping and the change threshold.", HelpName = "LIST" };
        var test = new Option<string>("--test") { Description = "Test cities scored after training.", HelpName = "LIST" };
        var bands = CliOptions.Make("--bands", "Sentinel-2 city folders: bands to read.", ChangeCities.DefaultSentinel2Bands);
        var encoder = CliOptions.Make("--encoder", "Starting encoder: random, imagenet, or a file (GeoSSL checkpoint, ONNX ResNet, state dict).", "random");
        var width = CliOptions.AtLeast("--width", "First-stage width of a random ResNet-18.", 64, 4);
        var window = CliOptions.AtLeast("--window", "Training window side in pixels.", 64, 16);
        var windows = CliOptions.AtLeast("--windows", "Training windows per epoch.", 512, 1);
        var batchSize = CliOptions.AtLeast("--batch-size", "Windows per step.", 8, 1);
        var epochs = CliOptions.AtLeast("--epochs", "Epochs (early stopping on validation cities).", 8, 1);
        var lr = CliOptions.Positive("--lr", "Learning rate.", 0.01);
        var freeze = new Option<bool>("--freeze-encoder") { Description = "Train the decoder only." };
        var threshold = new Option<float?>("--threshold") { Description = "Scoring: change probability threshold (default: the model's tuned one)." };
        threshold.Validators.Add(r => { if (r.GetValueOrDefault<float?>() is { } t && !(t > 0 && t < 1)) r.AddError($"--threshold must be between 0 and 1; got {t}."); });
        var device = CliOptions.Device();
        var seed = CliOptions.Seed();
        var output = new Option<string>("--out") { Description = "Output folder.", Required = true, HelpName = "DIR" };
        var resume = CliOptions.File("--resume", "training.ckpt of an interrupted training run to continue.");
        var command = new Command("detect-changes", "Train or apply a change-detection model on co-registered city image pairs.")
        {
            cities, model, names, train, validation, test, bands, encoder, width, window, windows, batchSize, epochs, lr, freeze, threshold, device, seed, output, resume,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string folder = Inputs.ExistingFolder(parse.GetValue(cities), "--cities");
            string? modelPath = parse.GetValue(model) is { } m ? Inputs.ExistingFile(m, "--model") : null;
            string outDir = Inputs.OutputFolder(parse.GetValue(output)!, "--out");
            if (modelPath is not null) return Score(io, modelPath, folder, outDir, List(parse.GetValue(names)), parse.GetValue(threshold), parse.GetValue(device)!);

            var split = new CitySplit(List(parse.GetValue(train)) ?? CitySplit.Oscd.Train, List(parse.GetValue(validation)) ?? CitySplit.Oscd.Validation,
                List(parse.GetValue(test)) ?? CitySplit.Oscd.Test);
            var (trainCities, validationCities, testCities) = split.Select(ChangeCities.Load(folder, split.All, parse.GetValue(bands)!));
            if (trainCities.Count == 0) throw new CliUsageException($"--train: none of the training cities ({string.Join(",", split.Train)}) is in '{folder}'.");
            string encoderChoice = parse.GetValue(encoder)!;
            var settings = new ChangeDetectionSettings
            {
                Window = parse.GetValue(window), BaseWidth = parse.GetValue(width), Epochs = parse.GetValue(epochs), LearningRate = parse.GetValue(lr),
                Seed = parse.GetValue(seed), BatchSize = parse.GetValue(batchSize), WindowsPerEpoch = parse.GetValue(windows),
                FreezeEncoder = parse.GetValue(freeze), Device = parse.GetValue(device)!, ReportEveryNSteps = 1, // the progress bar moves every step
                InitialEncoderPath = encoderChoice switch { "random" => null, "imagenet" => ImageNetWeights.Require(), _ => Inputs.ExistingFile(encoderChoice, "--encoder") },
                InitialWeightsReverseChannels = encoderChoice == "imagenet",
            };
            io.Out.MarkupLineInterpolated($"Change detection: train {Names(trainCities)} | validation {Names(validationCities)} | test {Names(testCities)}");
            string changeModel = Path.Combine(outDir, "change.ckpt");
            string trainingCheckpoint = Path.Combine(outDir, "training.ckpt");
            string? resumeFrom = parse.GetValue(resume) is { } r ? Inputs.ExistingFile(r, "--resume") : null;
            TrainingResult result;
            try
            {
                result = await TrainingProgressBar.RunAsync(io, "change detection", bar =>
                    ChangeDetectionRun.Train(settings, trainCities, validationCities, changeModel, new TrainingRunOptions
                    {
                        Progress = (IProgress<TrainingProgress>)bar, CancellationToken = cancellationToken, CheckpointPath = trainingCheckpoint, ResumeFrom = resumeFrom,
                    }));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return StoppedRun.Report(io, trainingCheckpoint, parse);
            }
            LossChart.Write(Path.Combine(outDir, "loss.png"), result, "change detection");
            using var predictor = DensePredictor.Load(changeModel, settings.Device);
            io.Out.MarkupLineInterpolated($"Trained (best epoch {result.BestEpoch?.ToString() ?? "-"}); change threshold {predictor.Threshold:F2}; model: [bold]{changeModel}[/]");
            if (testCities.Count > 0) Report(io, predictor, testCities, outDir, predictor.Threshold);
            return ExitCodes.Success;
        });
        return command;
    }

    private static int Score(CliIo io, string modelPath, string folder, string outDir, IReadOnlyList<string>? names, float? threshold, string device)
    {
        using var predictor = DensePredictor.Load(modelPath, device);
        var scenes = ChangeCities.Load(folder, names, string.Join(",", predictor.Input.Bands));
        if (scenes.Count == 0) throw new CliUsageException($"--names: none of {string.Join(",", names ?? [])} is in '{folder}'.");
        Report(io, predictor, scenes, outDir, threshold ?? predictor.Threshold);
        return ExitCodes.Success;
    }

    private static void Report(CliIo io, DensePredictor predictor, IReadOnlyList<DenseScene> scenes, string outDir, float threshold)
    {
        var table = new Table().Title($"change at threshold {threshold:F2}").AddColumns("city", "F1", "IoU", "precision", "recall", "accuracy");
        var metrics = ChangeDetectionRun.Score(predictor, scenes, outDir, threshold, (city, c) =>
            table.AddRow(Markup.Escape(city), $"{c.F1:F3}", $"{c.IoU:F3}", $"{c.Precision:F3}", $"{c.Recall:F3}", $"{c.OverallAccuracy:F3}"));
        var o = metrics.Overall;
        table.AddRow("[bold]pooled[/]", $"{o.F1:F3}", $"{o.IoU:F3}", $"{o.Precision:F3}", $"{o.Recall:F3}", $"{o.OverallAccuracy:F3}");
        io.Out.Write(table);
        io.Out.MarkupLineInterpolated($"Overlay panels (green = hit, red = false alarm, magenta = miss) in [bold]{outDir}[/]");
    }

    private static IReadOnlyList<string>? List(string? value) =>
        value is null ? null : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Names(IEnumerable<DenseScene> scenes) => string.Join(",", scenes.Select(s => s.Name));
}
