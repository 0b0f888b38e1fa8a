using System.CommandLine;
using System.Globalization;
using System.Text;
using GeoSSL.Cli.Charts;
using GeoSSL.Data.Files;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// <c>geossl probe</c>: how good an encoder's frozen features are on labelled images: the paper's linear probe (standardised
/// features, L-BFGS logistic regression) and a kNN vote, on a held-out part of the manifest or on a separate test manifest.
/// Prints a table and writes report.md and confusion.png (the linear probe's confusion matrix).
/// </summary>
internal static class ProbeCommand
{
    /// <summary>A featurized, labelled image: what both evaluations read.</summary>
    private sealed class FeatureRow
    {
        public string Label { get; set; } = "";
        public float[] Features { get; set; } = [];
    }

    public static Command Create(CliIo io)
    {
        var model = CliOptions.File("--model", FeaturizerLoader.ModelDescription, required: true);
        var views = CliOptions.Views();
        var manifest = CliOptions.File("--manifest", "Labelled CSV (image column and label column).", required: true);
        var labelColumn = CliOptions.Make("--label-column", "Label column of the manifests.", "Label");
        var imageColumn = CliOptions.Make("--image-column", "Image path column of the manifests.", "ImagePath");
        var fraction = CliOptions.Make("--validation-fraction", "Share of --manifest held out for scoring when no --test is given.", 0.2);
        fraction.Validators.Add(r => { double f = r.GetValueOrDefault<double>(); if (!(f > 0 && f < 1)) r.AddError($"--validation-fraction must be between 0 and 1; got {f}."); });
        var test = CliOptions.File("--test", "Labelled CSV to score on instead of a held-out part of --manifest.");
        var k = CliOptions.AtLeast("--k", "Neighbours of the kNN vote.", 20, 1);
        var imageSize = new Option<int?>("--image-size") { Description = "Resize images to this side (ONNX and checkpoint models); default: the model's." };
        var output = new Option<string>("--out") { Description = "Folder for report.md and confusion.png.", HelpName = "DIR", DefaultValueFactory = _ => "probe" };
        var seed = CliOptions.Seed();
        var command = new Command("probe", "Linear-probe and kNN evaluation of an encoder on labelled images.")
        {
            model, manifest, labelColumn, imageColumn, fraction, test, k, imageSize, views, output, seed,
        };
        command.SetAction((parse, _) =>
        {
            string modelPath = FeaturizerLoader.Resolve(parse.GetValue(model));
            string manifestPath = Inputs.ExistingFile(parse.GetValue(manifest), "--manifest");
            string? testPath = parse.GetValue(test) is { } t ? Inputs.ExistingFile(t, "--test") : null;
            string outDir = Inputs.OutputFolder(parse.GetValue(output)!, "--out");
            var ml = new MLContext(seed: parse.GetValue(seed));
            string label = parse.GetValue(labelColumn)!, image = parse.GetValue(imageColumn)!;
            var (rows, _) = ImageTable.FromManifest(ml, manifestPath, image, label, null);
            List<ImageRow> trainRows, testRows;
            if (testPath is not null)
                (trainRows, testRows) = (rows, ImageTable.FromManifest(ml, testPath, image, label, null).Rows);
            else
            {
                // A seeded shuffle, so the same command scores the same images.
                var random = new Random(parse.GetValue(seed));
                var shuffled = rows.OrderBy(_ => random.Next()).ToList();
                int held = Math.Max(1, (int)Math.Round(shuffled.Count * parse.GetValue(fraction)));
                if (held >= shuffled.Count) throw new CliUsageException($"--manifest: {rows.Count} rows are too few to hold out a validation part.");
                (trainRows, testRows) = (shuffled.Skip(held).ToList(), shuffled.Take(held).ToList());
            }
            var all = ml.Data.LoadFromEnumerable(trainRows.Concat(testRows).ToList());
            var featurizer = FeaturizerLoader.Load(ml, modelPath, all, parse.GetValue(imageSize), CliOptions.ParseViews(parse.GetValue(views)));
            // Featurize once; both evaluations read the same vectors.
            var features = ml.Data.CreateEnumerable<FeatureRow>(featurizer.Transform(all), reuseRowObject: false).ToList();
            (featurizer as IDisposable)?.Dispose();
            int width = features[0].Features.Length;
            var schema = SchemaDefinition.Create(typeof(FeatureRow));
            schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
            var trainData = ml.Data.LoadFromEnumerable(features.Take(trainRows.Count), schema);
            var testData = ml.Data.LoadFromEnumerable(features.Skip(trainRows.Count), schema);

            var linear = LinearProbe.Run(ml, trainData, testData);
            var knn = KnnEvaluation.Run(trainData, testData, k: parse.GetValue(k));
            var names = linear.Report.Classes.Select(c => c.Name).ToList();
            var counts = linear.Metrics.ConfusionMatrix.Counts.Select(r => (IReadOnlyList<double>)r.ToList()).ToList();
            ConfusionChart.Write(Path.Combine(outDir, "confusion.png"), counts, names, $"linear probe, {testRows.Count} images");
            AtomicFile.WriteAllBytes(Path.Combine(outDir, "report.md"), Encoding.UTF8.GetBytes(Markdown(modelPath, trainRows.Count, testRows.Count, width, linear.Report, knn, parse.GetValue(k))));

            var table = new Table().Title($"{Markup.Escape(Path.GetFileName(modelPath))}: {trainRows.Count} train / {testRows.Count} test images, {width} features")
                .AddColumns("class", "support", "linear P", "linear R", "linear F1", $"kNN F1 (k={parse.GetValue(k)})");
            foreach (var c in linear.Report.Classes)
            {
                var kc = knn.Classes.FirstOrDefault(x => x.Name == c.Name);
                table.AddRow(Markup.Escape(c.Name), $"{c.Support}", P(c.Precision), P(c.Recall), P(c.F1), kc is null ? "-" : P(kc.F1));
            }
            table.AddEmptyRow();
            table.AddRow("[bold]top-1[/]", $"{linear.Report.Count}", "", "", P(linear.Report.MicroAccuracy), P(knn.MicroAccuracy));
            table.AddRow("[bold]macro-F1[/]", "", "", "", P(linear.Report.MacroF1), P(knn.MacroF1));
            io.Out.Write(table);
            io.Out.MarkupLineInterpolated($"Linear probe top-1 {P(linear.Report.MicroAccuracy)}, kNN top-1 {P(knn.MicroAccuracy)}; wrote report.md and confusion.png in [bold]{outDir}[/]");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static string P(double v) => (v * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static string Markdown(string model, int train, int test, int width, ClassificationReport linear, ClassificationReport knn, int k)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Probe of `{Path.GetFileName(model)}`");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{train} training and {test} test images, {width} features per image.");
        sb.AppendLine();
        sb.AppendLine("| evaluation | top-1 | macro accuracy | macro-F1 |");
        sb.AppendLine("|---|---|---|---|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| linear probe | {P(linear.MicroAccuracy)} | {P(linear.MacroAccuracy)} | {P(linear.MacroF1)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| kNN (k={k}) | {P(knn.MicroAccuracy)} | {P(knn.MacroAccuracy)} | {P(knn.MacroF1)} |");
        sb.AppendLine();
        sb.AppendLine("## Linear probe per class");
        sb.AppendLine();
        sb.Append(linear.ToMarkdown());
        sb.AppendLine();
        sb.AppendLine("## kNN per class");
        sb.AppendLine();
        sb.Append(knn.ToMarkdown());
        return sb.ToString();
    }
}
