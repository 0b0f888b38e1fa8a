using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using GeoSSL.Core.Checkpoints;
using GeoSSL.Core.Classification;
using GeoSSL.Data.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Engine;

/// <summary>The header of a training checkpoint: which task, its settings and schedule, and its data shape (JSON).</summary>
internal sealed record TrainingCheckpointHeader(string Kind, string TaskSettingsJson, TrainingSchedule Schedule, string DataJson);

/// <summary>What a training checkpoint says without building a model.</summary>
internal sealed record TrainingCheckpointInfo(string Kind, string TaskSettingsJson, TrainingSchedule Schedule, string DataJson,
    int Epoch, long StepInEpoch, long GlobalStep, IReadOnlyList<TrainingEpoch> Epochs, int? BestEpoch, bool EarlyStopped)
{
    /// <summary>Loss of every step so far, in order (to compare an interrupted run with an uninterrupted one).</summary>
    public IReadOnlyList<float> StepLosses { get; init; } = [];
}

/// <summary>
/// The training state of any task in one file, to resume it exactly: task kind, task settings and schedule (JSON), data
/// shape, the loop state (epoch, step, running sums, summaries, step losses, early stopping), the model's weights with
/// BatchNorm statistics, the optimiser's momentum buffers and (early stopping on) the best epoch's weights, then a SHA-256 of
/// all of it. Written through <see cref="AtomicFile"/>; read back only after the checksum and every weight (all finite)
/// check out; every failure names the file.
/// </summary>
internal static class TrainingCheckpoint
{
    private const string Magic = "GEOSSLTR";
    private const int FormatVersion = 1;
    private const string Kind = "Training checkpoint";

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN metrics (e.g. F1 without positives) round-trip
    };

    internal static string ScheduleJson(TrainingSchedule schedule) => JsonSerializer.Serialize(schedule, Json);

    public static void Save(string path, ITrainingTask task, TrainingSchedule schedule, LoopState state, MomentumSgd optimizer) =>
        Save(path, task.Kind, task.SettingsJson, schedule, task.DataJson, state, task.Model, optimizer);

    /// <summary>
    /// Writes a checkpoint from its parts; also how weights that were not trained here (imported, or saved without their run)
    /// become a file every reader takes: a fresh <see cref="LoopState"/> and an optimiser without momentum buffers.
    /// </summary>
    public static void Save(string path, string kind, string settingsJson, TrainingSchedule schedule, string dataJson, LoopState state,
        nn.Module model, MomentumSgd optimizer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        AtomicFile.Write(path, stream =>
        {
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(FormatVersion);
                w.Write(kind);
                w.Write(settingsJson);
                w.Write(ScheduleJson(schedule));
                w.Write(dataJson);
                w.Write(JsonSerializer.Serialize(state, Json));
                model.save(w);
                optimizer.SaveState(w);
                w.Write(state.BestWeights is not null);
                if (state.BestWeights is { } best)
                    foreach (var name in model.state_dict().Keys) best[name].Save(w);
            }
            ChecksumTrailer.Append(stream);
        });
    }

    /// <summary>
    /// Reads only the header (kind, settings, schedule, data) without the checksum pass: cheap enough to decide how to build
    /// a model before loading it. <see cref="Verify"/> or the loads check the whole file.
    /// </summary>
    public static TrainingCheckpointHeader ReadHeader(string path, string? expectedKind = null)
    {
        using var r = Open(path, expectedKind);
        var (kind, settings, schedule, data) = ReadHeader(r, path);
        return new TrainingCheckpointHeader(kind, settings, schedule, data);
    }

    /// <summary>
    /// Loads only the model's weights and BatchNorm statistics (no optimiser or loop state), after the checksum; for using a
    /// trained model rather than resuming it.
    /// </summary>
    public static void LoadWeights(string path, nn.Module model, string? expectedKind = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var r = Open(path, expectedKind);
        ChecksumTrailer.Verify(path, Kind);
        ReadHeader(r, path);
        using var state = CheckpointIo.Guard(Kind, path, () => ReadState(r));
        CheckpointIo.Guard(Kind, path, () => model.load(r, strict: true));
        FiniteWeights.Require(model, $"{Kind} '{path}'");
    }

    /// <summary>Checks the whole file (kind, format, checksum, readable settings and state) without building a model.</summary>
    /// <param name="expectedKind">The task kind the caller wants (only to word the error when the file is something else).</param>
    public static TrainingCheckpointInfo Verify(string path, string? expectedKind = null)
    {
        using var r = Open(path, expectedKind);
        ChecksumTrailer.Verify(path, Kind);
        var (kind, settings, schedule, data) = ReadHeader(r, path);
        using var state = CheckpointIo.Guard(Kind, path, () => ReadState(r));
        return new TrainingCheckpointInfo(kind, settings, schedule, data, state.Epoch, state.StepInEpoch, state.GlobalStep, state.Epochs.ToList(),
            state.BestEpoch, state.EarlyStopped) { StepLosses = state.StepLosses.ToList() };
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming every setting in which the checkpoint differs from this run: another task,
    /// the task's settings, the schedule (except Epochs, which a resume may extend, and ReportEveryNSteps) and the data shape.
    /// </summary>
    public static void RequireSameSettings(string path, TrainingCheckpointInfo saved, ITrainingTask task, TrainingSchedule schedule)
    {
        if (saved.Kind != task.Kind)
            throw new ArgumentException($"{Kind} '{path}' belongs to a {saved.Kind} run; this is a {task.Kind} run" +
                (saved.Kind == PretrainingKind ? ": start from its encoder instead (InitialEncoderPath or EncoderPath)." : "."));
        var comparable = saved.Schedule with { Epochs = schedule.Epochs, ReportEveryNSteps = schedule.ReportEveryNSteps };
        var differences = SettingsDiff.Between(saved.TaskSettingsJson, task.SettingsJson)
            .Concat(SettingsDiff.Between(ScheduleJson(comparable), ScheduleJson(schedule)))
            .Distinct().ToList(); // a task may also keep a schedule setting (e.g. its LearningRate) among its own: name it once
        int settings = differences.Count;
        differences.AddRange(SettingsDiff.Between(saved.DataJson, task.DataJson));
        if (differences.Count == 0) return;
        throw new ArgumentException(
            $"{Kind} '{path}' was written with other settings than this run, so it cannot be resumed (only Epochs and ReportEveryNSteps may differ). " +
            $"{differences.Count} setting(s) differ: {string.Join("; ", differences)}." +
            (differences.Count > settings ? " The visiting order and batches follow the data: was the data changed?" : ""));
    }

    /// <summary>Loads weights, optimiser state and loop state into the task's model and the loop's optimiser.</summary>
    public static LoopState Load(string path, nn.Module model, MomentumSgd optimizer, string? expectedKind = null)
    {
        using var r = Open(path, expectedKind);
        ChecksumTrailer.Verify(path, Kind);
        ReadHeader(r, path);
        var state = CheckpointIo.Guard(Kind, path, () => ReadState(r));
        try
        {
            CheckpointIo.Guard(Kind, path, () =>
            {
                model.load(r, strict: true);
                optimizer.LoadState(r);
                if (r.ReadBoolean()) state.KeepBestWeights(CheckpointIo.ReadStateDictCopy(r, model));
                return true;
            });
            string source = $"{Kind} '{path}'";
            FiniteWeights.Require(model, source);
            FiniteWeights.Require(optimizer.MomentumBuffers(), source);
            if (state.BestWeights is { } best) FiniteWeights.Require(best.Select(kv => ("best." + kv.Key, kv.Value)), source);
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    private static LoopState ReadState(BinaryReader r)
    {
        var state = JsonSerializer.Deserialize<LoopState>(r.ReadString(), Json) ?? throw new InvalidDataException("its loop state is empty");
        if (state.Epochs.Count != state.Epoch) throw new InvalidDataException($"it records {state.Epochs.Count} epoch summaries at epoch {state.Epoch}");
        if (state.StepLosses.Count != state.GlobalStep) throw new InvalidDataException($"it records {state.StepLosses.Count} step losses at step {state.GlobalStep}");
        return state;
    }

    private static (string Kind, string Settings, TrainingSchedule Schedule, string Data) ReadHeader(BinaryReader r, string path)
    {
        try
        {
            string kind = r.ReadString(), settings = r.ReadString();
            var schedule = JsonSerializer.Deserialize<TrainingSchedule>(r.ReadString(), Json) ?? throw new InvalidDataException("empty schedule");
            return (kind, settings, schedule, r.ReadString());
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt: its settings cannot be read ({e.Message}).", e);
        }
    }

    /// <summary>Kind of pretraining runs: their checkpoints are also where encoders are read from.</summary>
    public const string PretrainingKind = "pretraining";

    /// <summary>True when <paramref name="path"/> starts like a file written by <see cref="Save(string, ITrainingTask, TrainingSchedule, LoopState, MomentumSgd)"/>.</summary>
    public static bool IsTrainingCheckpoint(string path) => ReadMagic(path) == Magic;

    /// <summary>The task kind of a training checkpoint, or null when <paramref name="path"/> is not a readable one.</summary>
    public static string? ReadKind(string path)
    {
        if (!IsTrainingCheckpoint(path)) return null;
        try { return ReadHeader(path).Kind; }
        catch (InvalidDataException) { return null; }
    }

    /// <summary>The file's leading GeoSSL magic string, or null when it has none (missing, empty, another format).</summary>
    internal static string? ReadMagic(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            return r.ReadString();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException) { return null; }
    }

    /// <summary>How the caller's kind of file is called in errors ("fine-tuning checkpoint" for classification runs).</summary>
    private static string Noun(string? kind) => kind switch
    {
        null => "training checkpoint",
        PretrainingKind => "checkpoint",
        "classification" => "fine-tuning checkpoint",
        _ => $"{kind} checkpoint",
    };

    /// <summary>Other GeoSSL files are easy to pass by mistake; say which one it is.</summary>
    private static string ForeignHint(string magic) => magic switch
    {
        "GEOSSLCL" => " (it is a trained classifier written by ClassifierCheckpoint: weights only, no training state to resume)",
        "GEOSSLCK" => " (it is a pretraining checkpoint of an earlier version: start from its encoder instead, e.g. InitialEncoderPath)",
        "GEOSSLFT" => " (it is in the fine-tuning format of an earlier version, GEOSSLFT, which this version cannot resume: start the run again)",
        _ => "",
    };

    private static BinaryReader Open(string path, string? expectedKind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{Kind} '{path}' does not exist.", path);
        var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            string magic = r.ReadString();
            if (magic != Magic) throw new InvalidDataException($"'{path}' is not a GeoSSL {Noun(expectedKind)}{ForeignHint(magic)}.");
            int version = r.ReadInt32();
            if (version < 1 || version > FormatVersion) throw new InvalidDataException($"{Kind} '{path}' has format {version}; this library reads 1-{FormatVersion}.");
            return r;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException)
        {
            r.Dispose();
            throw new InvalidDataException($"'{path}' is not a GeoSSL {Noun(expectedKind)} (it is empty or ends before its header).", e);
        }
        catch { r.Dispose(); throw; }
    }
}
