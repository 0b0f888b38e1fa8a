using Spectre.Console;
using System.CommandLine;
using GeoSSL.Cli.Output;
using Microsoft.ML;

namespace GeoSSL.Cli.Commands;

/// <summary><c>geossl featurize</c>: one feature vector per image, from any encoder the tool knows, to CSV or Parquet.</summary>
internal static class FeaturizeCommand
{
    public static Command Create(CliIo io)
    {
        var model = CliOptions.File("--model", FeaturizerLoader.ModelDescription, required: true);
        var views = CliOptions.Views();
        var manifest = CliOptions.File("--manifest", "CSV with an image column (and optionally a Label column, copied to the output).");
        var images = new Option<string>("--images") { Description = "A folder of images instead of a manifest (PNG, JPEG, TIFF; recursive).", HelpName = "DIR" };
        var imageColumn = CliOptions.Make("--image-column", "Image path column of the manifest.", "ImagePath");
        var labelColumn = new Option<string>("--label-column") { Description = "Label column copied to the output under its own name; default: Label when present." };
        var output = CliOptions.File("--out", "features.csv or features.parquet.", required: true);
        var imageSize = new Option<int?>("--image-size") { Description = "Resize images to this side (ONNX and checkpoint models); default: the model's." };
        imageSize.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 8) r.AddError("--image-size must be at least 8."); });
        var command = new Command("featurize", "Write one feature vector per image to CSV or Parquet.") { model, manifest, images, imageColumn, labelColumn, output, imageSize, views };
        command.SetAction((parse, _) =>
        {
            string modelPath = FeaturizerLoader.Resolve(parse.GetValue(model));
            string outPath = Inputs.OutputFile(parse.GetValue(output)!, "--out", ".csv", ".parquet");
            var ml = new MLContext(seed: 1);
            (List<ImageRow> rows, bool labelled) = (parse.GetValue(manifest), parse.GetValue(images)) switch
            {
                ({ } m, null) => ImageTable.FromManifest(ml, Inputs.ExistingFile(m, "--manifest"), parse.GetValue(imageColumn)!, parse.GetValue(labelColumn), null),
                (null, { } folder) => (ImageTable.FromFolder(Inputs.ExistingFolder(folder, "--images")), false),
                _ => throw new CliUsageException("Give either --manifest or --images."),
            };
            var data = ml.Data.LoadFromEnumerable(rows);
            var featurizer = FeaturizerLoader.Load(ml, modelPath, data, parse.GetValue(imageSize), CliOptions.ParseViews(parse.GetValue(views)));
            string? labelName = labelled ? parse.GetValue(labelColumn) ?? "Label" : null;
            var featurized = featurizer.Transform(data);
            if (featurized.Schema.GetColumnOrNull("Features") is null)
                throw new CliUsageException($"--model: '{modelPath}' adds no Features column; featurize takes a featurizer.zip from pretrain, an ONNX encoder or a checkpoint.");
            var (count, width) = io.Out.Status().Start($"featurizing {rows.Count} images", _ => FeatureTable.Write(featurized, outPath, labelName));
            (featurizer as IDisposable)?.Dispose();
            io.Out.MarkupLineInterpolated($"Wrote {count} rows x {width} features to [bold]{outPath}[/]");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
