using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Training;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// <c>geossl info FILE</c>: what a file holds, as one table, without building a model or touching a device: a training
/// checkpoint (kind, architecture, input, epochs and steps, last metrics, data), a trained classifier, or an ONNX model
/// (inputs, outputs, metadata). The whole checkpoint is verified (checksum) on the way.
/// </summary>
internal static class InfoCommand
{
    public static Command Create(CliIo io)
    {
        var file = new Argument<string>("file") { Description = "A GeoSSL checkpoint (.ckpt), an ONNX model (.onnx) or a saved ML.NET model (.zip)." };
        var command = new Command("info", "Show what a checkpoint, ONNX model or saved ML.NET model holds.") { file };
        command.SetAction((parse, _) =>
        {
            string path = Inputs.ExistingFile(parse.GetValue(file), "info");
            var table = new Table().AddColumn("property").AddColumn("value").Title(Markup.Escape(Path.GetFileName(path)));
            void Row(string name, object? value) => table.AddRow(Markup.Escape(name), Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "-"));
            Row("file", path);
            Row("size", $"{new FileInfo(path).Length / 1024.0 / 1024.0:F2} MB");
            if (TrainingCheckpoint.IsTrainingCheckpoint(path)) DescribeTraining(path, Row);
            else if (Checkpoint.IsLegacy(path)) DescribeLegacy(path, Row);
            else if (IsClassifier(path)) DescribeClassifier(path, Row);
            else if (LooksLikeOnnx(path)) DescribeOnnx(path, Row);
            else if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) DescribeMlNetModel(path, Row);
            else throw new CliUsageException($"'{path}' is neither a GeoSSL checkpoint nor an ONNX model (.onnx) nor an ML.NET model (.zip).");
            io.Out.Write(table);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static void DescribeTraining(string path, Action<string, object?> row)
    {
        var info = TrainingCheckpoint.Verify(path); // checksum and state: a damaged file fails here, naming itself
        row("format", "GeoSSL training checkpoint (verified)");
        row("kind", info.Kind);
        if (info.Kind == TrainingCheckpoint.PretrainingKind)
        {
            var config = Checkpoint.ReadConfig(path);
            var e = config.Model.Encoder;
            row("architecture", $"{e.Depth}, width {e.BaseWidth}, {e.InputChannels} input channels, {e.FeatureDimension} features");
            row("variant", config.Variant);
            row("input", Describe(config.Input));
            row("queue / geo clusters", $"{config.Model.QueueSize} / {config.Model.GeoClasses}");
            row("data fingerprint", Checkpoint.ReadDataFingerprint(path) ?? "none (imported or not trained here)");
        }
        else if (FindEncoder(info.TaskSettingsJson) is { } encoder) row("architecture", encoder);
        row("epochs done / planned", $"{info.Epoch} / {info.Schedule.Epochs}");
        row("steps done", info.StepInEpoch > 0 ? $"{info.GlobalStep} (stopped at step {info.StepInEpoch} of epoch {info.Epoch + 1})" : $"{info.GlobalStep}");
        row("learning rate / seed", $"{info.Schedule.LearningRate.ToString(CultureInfo.InvariantCulture)} / {info.Schedule.Seed}");
        if (info.Epochs.Count > 0) row("last epoch", info.Epochs[^1].ToString());
        if (info.BestEpoch is { } best) row("best epoch", best + (info.EarlyStopped ? " (early stopped)" : ""));
        row("data", info.DataJson);
    }

    private static void DescribeLegacy(string path, Action<string, object?> row)
    {
        var config = Checkpoint.ReadConfig(path);
        row("format", "GeoSSL pretraining checkpoint of an earlier version (readable, not resumable)");
        row("architecture", $"{config.Model.Encoder.Depth}, width {config.Model.Encoder.BaseWidth}");
        row("input", Describe(config.Input));
    }

    private static void DescribeClassifier(string path, Action<string, object?> row)
    {
        var info = ClassifierCheckpoint.ReadInfo(path);
        row("format", "GeoSSL trained classifier (weights only)");
        row("architecture", $"{info.Encoder.Depth}, width {info.Encoder.BaseWidth}, {info.Encoder.InputChannels} input channels");
        row("classes", info.ClassNames is { } names ? $"{info.NumClasses}: {string.Join(", ", names)}" : info.NumClasses);
        row("input", Describe(info.Input));
    }

    private static void DescribeOnnx(string path, Action<string, object?> row)
    {
        using var session = OpenOnnx(path);
        var meta = session.ModelMetadata;
        row("format", "ONNX model");
        row("producer / graph", $"{meta.ProducerName} / {meta.GraphName}");
        foreach (var (name, node) in session.InputMetadata) row($"input {name}", $"{node.ElementType.Name} [{string.Join(", ", Dims(node))}]");
        foreach (var (name, node) in session.OutputMetadata) row($"output {name}", $"{node.ElementType.Name} [{string.Join(", ", Dims(node))}]");
        foreach (var (key, value) in meta.CustomMetadataMap.OrderBy(p => p.Key, StringComparer.Ordinal)) row($"metadata {key}", value);
    }

    /// <summary>A saved ML.NET model (featurizer.zip, classifier.zip): the columns it reads and the ones it adds.</summary>
    private static void DescribeMlNetModel(string path, Action<string, object?> row)
    {
        var ml = new Microsoft.ML.MLContext();
        Microsoft.ML.ITransformer model;
        Microsoft.ML.DataViewSchema input;
        try { model = ml.Model.Load(path, out input); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' is not a saved ML.NET model ({e.Message.Split('\n')[0]}).", e);
        }
        using (model as IDisposable)
        {
            row("format", "ML.NET model");
            if (input is null || input.Count == 0) row("reads", "not recorded in the file (saved without an input schema)");
            else
            {
                row("reads", string.Join(", ", input.Select(c => $"{c.Name} ({c.Type})")));
                var added = model.GetOutputSchema(input).Where(c => !c.IsHidden && input.GetColumnOrNull(c.Name) is null);
                row("adds", string.Join(", ", added.Select(c => $"{c.Name} ({c.Type})")));
            }
        }
    }

    private static InferenceSession OpenOnnx(string path)
    {
        try { return new InferenceSession(path); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"'{path}' is not a readable ONNX model ({e.Message.Split('\n')[0]}).", e); }
    }

    private static IEnumerable<string> Dims(NodeMetadata node) =>
        node.Dimensions.Select((d, i) => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : node.SymbolicDimensions.ElementAtOrDefault(i) is { Length: > 0 } s ? s : "?");

    private static string Describe(GeoSSL.Data.Input.ImageInputSpec input) =>
        $"{string.Join(",", input.Bands)} {input.Width}x{input.Height}, {input.SampleType} ÷ {input.SampleDivisor.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Classifier files start with their own magic string; ask the reader instead of guessing.</summary>
    private static bool IsClassifier(string path)
    {
        try { ClassifierCheckpoint.ReadInfo(path); return true; }
        catch (Exception e) when (e is InvalidDataException or IOException or EndOfStreamException or FormatException or ArgumentException) { return false; }
    }

    /// <summary>ONNX is protobuf without a magic number: try the extension, then whether ONNX Runtime accepts it.</summary>
    private static bool LooksLikeOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>The encoder layout in a task's settings JSON (fine-tuning, change detection): the object with a Depth.</summary>
    private static string? FindEncoder(string settingsJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(settingsJson);
            return Find(doc.RootElement);
        }
        catch (JsonException) { return null; }

        static string? Find(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object) return null;
            if (e.TryGetProperty("Depth", out var depth) && e.TryGetProperty("BaseWidth", out var width))
                return $"{depth}, width {width}" + (e.TryGetProperty("InputChannels", out var c) ? $", {c} input channels" : "");
            foreach (var p in e.EnumerateObject()) if (Find(p.Value) is { } found) return found;
            return null;
        }
    }
}
