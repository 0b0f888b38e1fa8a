using System.Text.Json;
using GeoSSL.Core.Checkpoints;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Engine;

namespace GeoSSL.Core.Training;

/// <summary>
/// Pretraining checkpoints: the one training checkpoint (<see cref="TrainingCheckpoint"/>, kind "pretraining") written by the
/// training loop, read here as what they also are, the files encoders come from (configuration, query encoder, data
/// fingerprint). Files of earlier versions (<see cref="LegacyPretrainCheckpoint"/>) are still read for their weights and
/// configuration; they cannot be resumed. Every failure names the file.
/// </summary>
internal static class Checkpoint
{
    private const string Kind = TrainingCheckpoint.PretrainingKind;

    /// <summary>True when <paramref name="path"/> is a pretraining checkpoint of this or an earlier version.</summary>
    public static bool IsCheckpoint(string path) => LegacyPretrainCheckpoint.IsLegacy(path) || TrainingCheckpoint.ReadKind(path) == Kind;

    /// <summary>True when <paramref name="path"/> was written by an earlier version (readable, not resumable).</summary>
    public static bool IsLegacy(string path) => LegacyPretrainCheckpoint.IsLegacy(path);

    /// <summary>
    /// Checks the whole file without building a model (a pretraining checkpoint, a readable format, a checksum matching the
    /// content, a readable configuration) and returns its configuration. Cheap next to training; run it before decoding any data.
    /// </summary>
    public static PretrainConfig Verify(string path)
    {
        if (LegacyPretrainCheckpoint.IsLegacy(path)) return LegacyPretrainCheckpoint.Verify(path);
        var info = TrainingCheckpoint.Verify(path, Kind);
        RequirePretraining(path, info.Kind);
        return ConfigOf(path, info.TaskSettingsJson, info.Schedule);
    }

    /// <summary>Reads only the configuration (to rebuild the model before loading weights).</summary>
    public static PretrainConfig ReadConfig(string path)
    {
        if (LegacyPretrainCheckpoint.IsLegacy(path)) return LegacyPretrainCheckpoint.ReadConfig(path);
        var header = TrainingCheckpoint.ReadHeader(path, Kind);
        RequirePretraining(path, header.Kind);
        return ConfigOf(path, header.TaskSettingsJson, header.Schedule);
    }

    /// <summary>Loads the weights (both encoders, heads, queue, BatchNorm statistics) into a model built from <see cref="ReadConfig"/>.</summary>
    public static void LoadWeights(string path, GeoMoco model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (LegacyPretrainCheckpoint.IsLegacy(path)) { LegacyPretrainCheckpoint.LoadWeights(path, model); return; }
        RequirePretraining(path, TrainingCheckpoint.ReadHeader(path, Kind).Kind);
        TrainingCheckpoint.LoadWeights(path, model, Kind);
    }

    /// <summary>
    /// Writes weights that were not trained by a run here (imported, or edited) as a pretraining checkpoint every reader takes:
    /// epoch 0, no optimiser momentum, no data. It can start runs and be featurized; resuming it is refused (no data recorded).
    /// </summary>
    public static void SaveWeights(string path, PretrainConfig config, GeoMoco model)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        using var state = new LoopState();
        using var optimizer = new MomentumSgd(model.TrainableParameters(), config.SgdMomentum, config.WeightDecay);
        TrainingCheckpoint.Save(path, Kind, PretrainTask.SettingsOf(config), PretrainTask.ScheduleOf(config),
            JsonSerializer.Serialize(new PretrainData(0, 0, 0, 0, null)), state, model, optimizer);
    }

    /// <summary>The training data's fingerprint stored in the checkpoint, or null.</summary>
    public static string? ReadDataFingerprint(string path)
    {
        if (LegacyPretrainCheckpoint.IsLegacy(path)) return LegacyPretrainCheckpoint.ReadDataFingerprint(path);
        var header = TrainingCheckpoint.ReadHeader(path, Kind);
        try { return JsonSerializer.Deserialize<PretrainData>(header.DataJson)?.Fingerprint; }
        catch (JsonException e) { throw new InvalidDataException($"Checkpoint '{path}' is truncated or corrupt: its data record cannot be read ({e.Message}).", e); }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming every setting in which the checkpoint's configuration differs from
    /// <paramref name="current"/> (ignoring <see cref="PretrainConfig.Epochs"/>, which a resume may extend, and ReportEveryNSteps).
    /// </summary>
    public static void RequireSameSettings(string path, PretrainConfig saved, PretrainConfig current)
    {
        var differences = SettingsDiff.Between(PretrainTask.SettingsOf(saved), PretrainTask.SettingsOf(current));
        if (differences.Count == 0) return;
        bool geo = differences.Any(d => d.StartsWith("Model.GeoClasses", StringComparison.Ordinal));
        throw new ArgumentException(
            $"Checkpoint '{path}' was written with other settings than this run, so it cannot be resumed (only Epochs may differ). " +
            $"{differences.Count} setting(s) differ: {string.Join("; ", differences)}." +
            (geo ? " The number of geo clusters follows the input rows: did the data change?" : ""));
    }

    /// <summary>Throws <see cref="ArgumentException"/> when both fingerprints are known and differ.</summary>
    public static void RequireSameData(string path, string? saved, string? current)
    {
        if (saved is null || current is null || saved == current) return;
        throw new ArgumentException($"Checkpoint '{path}' was trained on other data ({saved}) than this run has ({current}): an exact resume needs the " +
            "same rows in the same order. Resume with the original input, or start a new run from its weights with InitialWeightsPath.");
    }

    /// <summary>Refuses a resume from a file of an earlier version, saying what it can still be used for.</summary>
    internal static void RequireResumable(string path)
    {
        if (LegacyPretrainCheckpoint.IsLegacy(path))
            throw new InvalidDataException($"Checkpoint '{path}' was written by an earlier GeoSSL version: its weights can start a new run " +
                "(InitialWeightsPath) or be featurized, but its training state cannot be resumed.");
    }

    private static void RequirePretraining(string path, string kind)
    {
        if (kind != Kind)
            throw new InvalidDataException($"'{path}' is a GeoSSL {kind} checkpoint, not a pretraining one: it holds no pretrained encoder configuration.");
    }

    /// <summary>The stored settings with the schedule's length and reporting put back (the settings keep them neutral).</summary>
    private static PretrainConfig ConfigOf(string path, string settingsJson, TrainingSchedule schedule)
    {
        try { return ConfigJson.Deserialize(settingsJson) with { Epochs = schedule.Epochs, ReportEveryNSteps = schedule.ReportEveryNSteps }; }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is truncated or corrupt: its configuration cannot be read ({e.Message}).", e);
        }
    }
}
