using Spectre.Console;
using System.CommandLine;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Import;
using GeoSSL.Core.Training;
using GeoSSL.Data.Input;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// <c>geossl import</c>: published ResNet weights (an ImageNet ONNX such as ML.NET's ResNet18.onnx, or a PyTorch / safetensors
/// state dict, including MoCo checkpoints) as a GeoSSL pretraining checkpoint, which every verb takes as an encoder
/// (featurize, probe, finetune --encoder, pretrain --init). The file holds the weights only: epoch 0, no data.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(CliIo io)
    {
        var from = CliOptions.File("--from", "model.onnx, or a state dict (.pt .pth .pth.tar .ckpt .bin .safetensors).", required: true);
        var output = CliOptions.File("--out", "The checkpoint to write (encoder.ckpt).", required: true);
        var bgr = new Option<bool>("--bgr") { Description = "The file's first convolution takes BGR (e.g. ML.NET's ResNet18.onnx): flip it to RGB." };
        var imageSize = CliOptions.AtLeast("--image-size", "Input side the checkpoint records (featurize and export use it).", 224, 8);
        var command = new Command("import", "Import ONNX or PyTorch ResNet weights as a GeoSSL checkpoint.") { from, output, bgr, imageSize };
        command.SetAction((parse, _) =>
        {
            string source = Inputs.ExistingFile(parse.GetValue(from), "--from");
            string to = Inputs.OutputFile(parse.GetValue(output)!, "--out");
            var layout = InitialWeights.ReadLayout(source);
            // A checkpoint needs the whole MoCo model; its queue and geo head are never used by readers of the encoder.
            var config = new PretrainConfig
            {
                Variant = PretrainVariant.MoCoV2,
                Model = new MocoOptions { Encoder = layout, QueueSize = 256, GeoClasses = 0 },
                // Weights flipped from BGR are ML.NET's CNTK ResNet: record the normalisation they were trained with.
                Input = parse.GetValue(bgr) ? ImageInputSpec.Rgb(parse.GetValue(imageSize), ImageNetWeights.Mean, ImageNetWeights.Std) : ImageInputSpec.Rgb(parse.GetValue(imageSize)),
                Epochs = 1,
            };
            using var moco = new GeoMoco(config.Model);
            var filled = InitialWeights.LoadInto(moco.QueryEncoder, source, parse.GetValue(bgr));
            moco.SyncKeyEncoder();
            Checkpoint.SaveWeights(to, config, moco);
            io.Out.MarkupLineInterpolated($"Imported {filled.Count} tensors ({layout.Depth}, width {layout.BaseWidth}) into [bold]{to}[/]");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
