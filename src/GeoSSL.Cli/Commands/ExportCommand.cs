using Spectre.Console;
using System.CommandLine;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Export;
using GeoSSL.Core.Training;
using GeoSSL.Data.Files;
using GeoSSL.MLNet.Featurizer;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// <c>geossl export</c>: a checkpoint as ONNX for inference anywhere (ONNX Runtime, ML.NET's ApplyOnnxModel). A pretraining
/// checkpoint gives its query encoder (pooled features, normalisation inside the graph); a trained classifier its logits.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliIo io)
    {
        var checkpoint = CliOptions.File("--checkpoint", "Pretraining checkpoint (checkpoint.ckpt) or trained classifier (classifier.ckpt).", required: true);
        var output = CliOptions.File("--out", "The ONNX file to write.", required: true);
        var imageSize = new Option<int?>("--image-size") { Description = "Input side in pixels; default: the checkpoint's own." };
        imageSize.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 8) r.AddError("--image-size must be at least 8."); });
        var projection = new Option<bool>("--projection") { Description = "Output the projection head (pretraining checkpoints) instead of pooled features." };
        var command = new Command("export", "Export a checkpoint's encoder or classifier to ONNX.") { checkpoint, output, imageSize, projection };
        command.SetAction((parse, _) =>
        {
            string from = Inputs.ExistingFile(parse.GetValue(checkpoint), "--checkpoint");
            string to = Inputs.OutputFile(parse.GetValue(output)!, "--out", ".onnx");
            int? size = parse.GetValue(imageSize);
            string what;
            if (Checkpoint.IsCheckpoint(from))
            {
                AtomicFile.WriteAllBytes(to, EncoderFiles.LoadAsOnnx(from, parse.GetValue(projection), size));
                what = "encoder";
            }
            else if (TrainingCheckpoint.ReadKind(from) is { } kind)
                throw new CliUsageException($"--checkpoint: '{from}' is a {kind} training checkpoint; export takes a pretraining checkpoint or a trained classifier (classifier.ckpt).");
            else
            {
                var (model, info) = LoadClassifier(from);
                using (model)
                {
                    var input = size is { } s ? info.Input.WithSize(s, s) : info.Input;
                    OnnxClassifierExporter.Save(model, OnnxExportOptions.ForClassifier(input) with { ClassNames = info.ClassNames }, to);
                }
                what = "classifier";
            }
            io.Out.MarkupLineInterpolated($"Wrote the {what} as ONNX: [bold]{to}[/]");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static (ResNetClassifier, ClassifierInfo) LoadClassifier(string path)
    {
        try { return ClassifierCheckpoint.Load(path); }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or FormatException)
        {
            throw new InvalidDataException($"--checkpoint: '{path}' is not a GeoSSL checkpoint ({e.Message})", e);
        }
    }
}
