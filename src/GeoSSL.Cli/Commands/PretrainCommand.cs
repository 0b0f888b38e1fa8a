using System.CommandLine;
using GeoSSL.Cli.Charts;
using GeoSSL.Cli.Progress;
using GeoSSL.MLNet;
using Microsoft.ML;
using Spectre.Console;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// <c>geossl pretrain</c>: self-supervised pretraining on a manifest of geo-tagged tiles through the ML.NET estimator
/// (<c>GeoContrastivePretrain</c>). Writes checkpoint.ckpt, encoder.onnx, featurizer.zip and loss.png into --out; Ctrl+C
/// writes the checkpoint and exits with 130, and the same command with --resume continues exactly.
/// </summary>
internal static class PretrainCommand
{
    public static Command Create(CliIo io)
    {
        var manifest = CliOptions.File("--manifest", "CSV or Parquet manifest: ImagePath, LocationId, Latitude, Longitude[, Date].", required: true);
        var imageFolder = new Option<string>("--image-folder") { Description = "Folder relative image paths start from; default: the manifest's folder.", HelpName = "DIR" };
        var dateColumn = CliOptions.Make("--date-column", "Acquisition date column (temporal positives prefer another date); used when present.", "Date");
        var variant = CliOptions.Make("--variant", "MoCoV2, MoCoV2TemporalPositives, MoCoV2Geo, MoCoV2GeoTemporalPositives or GeoOnly.", PretrainVariant.MoCoV2GeoTemporalPositives);
        var arch = CliOptions.Make("--arch", "resnet18 or resnet50.", "resnet18");
        arch.AcceptOnlyFromAmong("resnet18", "resnet50");
        var imageSize = CliOptions.AtLeast("--image-size", "Crop side in pixels.", 64, 8);
        var batchSize = CliOptions.AtLeast("--batch-size", "Images per step.", 64, 2);
        var epochs = CliOptions.AtLeast("--epochs", "Passes over the data.", 12, 1);
        var queueSize = CliOptions.AtLeast("--queue-size", "MoCo negatives queue length K.", 1024, 1);
        var width = CliOptions.AtLeast("--width", "Channels of the first ResNet stage (64 = standard).", 64, 4);
        var geoClusters = CliOptions.AtLeast("--geo-clusters", "Geo pretext classes (k-means on locations).", 16, 2);
        var lr = CliOptions.Positive("--lr", "Base learning rate.", 0.03);
        var device = CliOptions.Device();
        var resume = CliOptions.File("--resume", "Checkpoint of an interrupted run to continue (same data and settings).");
        var fromImageNet = new Option<bool>("--from-imagenet") { Description = "Start from ImageNet ResNet-18 weights (ML.NET's, shipped with the tool)." };
        var init = CliOptions.File("--init", "Start from these weights: GeoSSL checkpoint, ONNX ResNet or PyTorch state dict.");
        var output = new Option<string>("--out") { Description = "Output folder.", Required = true, HelpName = "DIR" };
        var seed = CliOptions.Seed();
        var checkpointSteps = CliOptions.AtLeast("--checkpoint-every-steps", "Also write the checkpoint every N steps (0: at epoch ends).", 0, 0);
        var command = new Command("pretrain", "Self-supervised pretraining (MoCo-v2, temporal positives, geo pretext) on a manifest of geo-tagged tiles.")
        {
            manifest, imageFolder, dateColumn, variant, arch, imageSize, batchSize, epochs, queueSize, width, geoClusters, lr, device,
            resume, fromImageNet, init, output, seed, checkpointSteps,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string manifestPath = Inputs.ExistingFile(parse.GetValue(manifest), "--manifest");
            string images = parse.GetValue(imageFolder) is { } folder ? Inputs.ExistingFolder(folder, "--image-folder") : Path.GetDirectoryName(manifestPath)!;
            string? resumeFrom = parse.GetValue(resume) is { } r ? Inputs.ExistingFile(r, "--resume") : null;
            if (parse.GetValue(fromImageNet) && parse.GetValue(init) is not null) throw new CliUsageException("--from-imagenet and --init both choose starting weights; give one.");
            string? initial = parse.GetValue(fromImageNet) ? ImageNetWeights.Require() : parse.GetValue(init) is { } i ? Inputs.ExistingFile(i, "--init") : null;
            string outDir = Inputs.OutputFolder(parse.GetValue(output)!, "--out");
            string date = parse.GetValue(dateColumn)!;
            bool hasDates = ManifestHeader.Read(manifestPath).Contains(date, StringComparer.Ordinal);

            var ml = new MLContext(seed: parse.GetValue(seed));
            var data = ml.Data.LoadGeoManifest(manifestPath, timestampColumnName: hasDates ? date : null, imageFolder: images);
            string checkpoint = Path.Combine(outDir, "checkpoint.ckpt");
            var options = new GeoContrastivePretrainEstimator.Options
            {
                TimestampColumnName = hasDates ? nameof(GeoSSL.MLNet.Reading.GeoImageRow.Timestamp) : null,
                Variant = parse.GetValue(variant),
                Architecture = parse.GetValue(arch) == "resnet50" ? ResNetDepth.ResNet50 : ResNetDepth.ResNet18,
                ImageSize = parse.GetValue(imageSize), BatchSize = parse.GetValue(batchSize), Epochs = parse.GetValue(epochs),
                QueueSize = parse.GetValue(queueSize), BaseWidth = parse.GetValue(width), GeoClusters = parse.GetValue(geoClusters),
                LearningRate = parse.GetValue(lr), EncoderMomentum = 0.99, Seed = parse.GetValue(seed), Device = parse.GetValue(device)!,
                CheckpointPath = checkpoint, CheckpointEveryNSteps = parse.GetValue(checkpointSteps), ResumeFromCheckpoint = resumeFrom,
                OverwriteExistingOutputs = true, // --out is the user's explicit choice; --resume continues in it
                OnnxExportPath = Path.Combine(outDir, "encoder.onnx"), ReportEveryNSteps = 1, CancellationToken = cancellationToken,
                InitialWeightsPath = initial,
                InitialWeightsReverseChannels = parse.GetValue(fromImageNet),
                Mean = parse.GetValue(fromImageNet) ? ImageNetWeights.Mean : null,
                Std = parse.GetValue(fromImageNet) ? ImageNetWeights.Std : null,
            };
            io.Out.MarkupLineInterpolated($"Pretraining [bold]{options.Variant}[/] ({options.Architecture}, width {options.BaseWidth}, {options.ImageSize} px) on {manifestPath}");
            var estimator = ml.Transforms.GeoContrastivePretrain(options);
            GeoSSL.MLNet.Featurizer.GeoImageFeaturizer featurizer;
            try
            {
                featurizer = await TrainingProgressBar.RunAsync(io, "pretraining", progress =>
                {
                    options.Progress = progress;
                    return estimator.Fit(data);
                });
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return StoppedRun.Report(io, checkpoint, parse);
            }
            var report = estimator.LastReport!;
            string modelPath = Path.Combine(outDir, "featurizer.zip");
            ml.Model.Save(featurizer, data.Schema, modelPath);
            LossChart.Write(Path.Combine(outDir, "loss.png"), report.Result, $"pretraining {options.Variant}",
                options.Variant is PretrainVariant.MoCoV2Geo or PretrainVariant.MoCoV2GeoTemporalPositives or PretrainVariant.GeoOnly ? report.GeoClusters : null);
            var table = new Table().AddColumns("epoch", "loss", "contrastive", "geo", "img/s");
            foreach (var e in report.Epochs)
                table.AddRow($"{e.Epoch}", $"{e.Loss:F4}", $"{e.Metric(MetricNames.Contrastive):F4}", $"{e.Metric(MetricNames.Geo):F4}", $"{e.SamplesPerSecond:F1}");
            io.Out.Write(table);
            io.Out.MarkupLineInterpolated($"{report.Images} images, {report.Locations} locations, {report.GeoClusters} geo clusters, {report.FeatureDimension} features per image.");
            io.Out.MarkupLineInterpolated($"Wrote {checkpoint}, encoder.onnx, featurizer.zip and loss.png in [bold]{outDir}[/]");
            return ExitCodes.Success;
        });
        return command;
    }
}
