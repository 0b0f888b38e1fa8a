using System.Text.Json;
using GeoSSL.Core.Checkpoints;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Training;

namespace GeoSSL.Core.Classification;

/// <summary>The data a fine-tuning run was trained on, as far as a resume can check it: the visiting order and batch plan follow from it.</summary>
internal sealed record FineTuneData(int TrainingImages, int? ValidationImages, int ImageSize);

/// <summary>What a fine-tuning checkpoint says without building a model: settings, data shape and the loop's progress.</summary>
/// <param name="Epoch">0-based epoch the run continues with (= epochs done when it ended).</param>
/// <param name="StepInEpoch">Next 0-based step within <paramref name="Epoch"/>.</param>
internal sealed record FineTuneCheckpointInfo(FineTuneConfig Config, FineTuneData Data, int Epoch, long StepInEpoch, long GlobalStep,
    IReadOnlyList<TrainingEpoch> Epochs, IReadOnlyList<float> StepLosses, int? BestEpoch, bool EarlyStopped);

/// <summary>
/// A fine-tuning run's training checkpoint, read as fine-tuning: the file is a <see cref="TrainingCheckpoint"/> of kind
/// <see cref="ClassificationTask.TaskKind"/>, written by the training loop (<see cref="TrainingRunOptions.CheckpointPath"/>).
/// This class only turns its settings back into a <see cref="FineTuneConfig"/> and <see cref="FineTuneData"/>, so callers can
/// check a resume file before reading any image. It is not the trained model: <see cref="ClassifierCheckpoint"/> is that.
/// </summary>
internal static class FineTuneCheckpoint
{
    /// <summary>
    /// Checks the whole file without building a model (a training checkpoint of a classification run, a readable format, a
    /// checksum matching the content, a readable configuration and progress) and returns what it says. Cheap next to
    /// training: run it before reading any image.
    /// </summary>
    public static FineTuneCheckpointInfo Verify(string path)
    {
        var info = TrainingCheckpoint.Verify(path, ClassificationTask.TaskKind);
        if (info.Kind != ClassificationTask.TaskKind)
            throw new InvalidDataException($"Training checkpoint '{path}' belongs to a {info.Kind} run, not to fine-tuning a classifier.");
        FineTuneConfig config;
        FineTuneData data;
        try
        {
            // Epochs and ReportEveryNSteps are kept by the schedule only (a resume may change them).
            config = ConfigJson.DeserializeFineTune(info.TaskSettingsJson) with { Epochs = info.Schedule.Epochs, ReportEveryNSteps = info.Schedule.ReportEveryNSteps };
            data = ConfigJson.DeserializeValue<FineTuneData>(info.DataJson);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"Training checkpoint '{path}' is truncated or corrupt: its fine-tuning configuration cannot be read ({e.Message}).", e);
        }
        return new FineTuneCheckpointInfo(config, data, info.Epoch, info.StepInEpoch, info.GlobalStep, info.Epochs, info.StepLosses, info.BestEpoch, info.EarlyStopped);
    }

    /// <summary>True when <paramref name="path"/> starts like a training checkpoint (of any task; <see cref="Verify"/> tells which).</summary>
    public static bool IsFineTuneCheckpoint(string path) => TrainingCheckpoint.ReadKind(path) == ClassificationTask.TaskKind;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming every setting in which the checkpoint differs from <paramref name="current"/>
    /// (except <see cref="FineTuneConfig.Epochs"/>, which a resume may extend, and <see cref="FineTuneConfig.ReportEveryNSteps"/>):
    /// the check a caller can make before it has read the data. The loop repeats it with the data shape when training starts.
    /// </summary>
    public static void RequireSameSettings(string path, FineTuneCheckpointInfo saved, FineTuneConfig current)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(current);
        var differences = SettingsDiff.Between(ConfigJson.Serialize(ClassificationTask.NeutralSettings(saved.Config)),
            ConfigJson.Serialize(ClassificationTask.NeutralSettings(current)));
        if (differences.Count == 0) return;
        throw new ArgumentException(
            $"Training checkpoint '{path}' was written with other settings than this run, so it cannot be resumed (only Epochs and ReportEveryNSteps may differ). " +
            $"{differences.Count} setting(s) differ: {string.Join("; ", differences)}.");
    }
}
