using System.Text;
using GeoSSL.Core.Checkpoints;
using GeoSSL.Core.Training;
using GeoSSL.Data.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Classification;

/// <summary>The data a fine-tuning run was trained on, as far as a resume can check it: the visiting order and batch plan follow from it.</summary>
public sealed record FineTuneData(int TrainingImages, int? ValidationImages, int ImageSize);

/// <summary>What a fine-tuning checkpoint says without building a model: settings, data shape and the loop's progress.</summary>
/// <param name="Epoch">0-based epoch the run continues with (= epochs done when it ended).</param>
/// <param name="StepInEpoch">Next 0-based step within <paramref name="Epoch"/>.</param>
public sealed record FineTuneCheckpointInfo(FineTuneConfig Config, FineTuneData Data, int Epoch, long StepInEpoch, long GlobalStep,
    IReadOnlyList<FineTuneEpoch> Epochs, IReadOnlyList<float> StepLosses, int? BestEpoch, bool EarlyStopped);

/// <summary>
/// The training state of a fine-tuning run in one file, to resume it exactly: configuration (JSON), data shape, epoch and
/// step, the current epoch's running numbers, per-epoch summaries, step losses, early-stopping state, model weights with
/// BatchNorm statistics, the optimiser's momentum buffers and (early stopping on) the best epoch's weights, then a SHA-256
/// of all of it. Written through <see cref="AtomicFile"/> so a crash leaves the previous file or the new one, never half of
/// one; read back only after its checksum and then every weight (all finite) check out; every failure names the file.
/// This is not the trained model: <see cref="ClassifierCheckpoint"/> is that (header and weights only).
/// </summary>
public static class FineTuneCheckpoint
{
    private const string Magic = "GEOSSLFT";
    private const int FormatVersion = 1;
    private const string Kind = "Fine-tuning checkpoint";

    public static void Save(string path, FineTuneConfig config, FineTuneData data, FineTuneState state, ResNetClassifier model, MomentumSgd optimizer)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        AtomicFile.Write(path, stream =>
        {
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(FormatVersion);
                w.Write(ConfigJson.Serialize(config));
                w.Write(ConfigJson.SerializeValue(data));
                WriteProgress(w, state);
                model.save(w);
                optimizer.SaveState(w);
                w.Write(state.BestWeights is not null);
                if (state.BestWeights is { } best)
                    foreach (var name in model.state_dict().Keys) best[name].Save(w); // state-dict order: read back into tensors shaped like the model's
            }
            ChecksumTrailer.Append(stream);
        });
    }

    /// <summary>
    /// Checks the whole file without building a model (a fine-tuning checkpoint, a readable format, a checksum matching the
    /// content, a readable configuration and progress) and returns what it says. Cheap next to training: run it before
    /// reading any image.
    /// </summary>
    public static FineTuneCheckpointInfo Verify(string path)
    {
        using var r = Open(path);
        ChecksumTrailer.Verify(path, Kind);
        var (config, data) = ReadHeader(r, path);
        using var state = CheckpointIo.Guard(Kind, path, () => ReadProgress(r));
        return new FineTuneCheckpointInfo(config, data, state.Epoch, state.StepInEpoch, state.GlobalStep, state.Epochs.ToList(), state.StepLosses.ToList(),
            state.BestEpoch, state.EarlyStopped);
    }

    /// <summary>True when <paramref name="path"/> starts like a file written by <see cref="Save"/>.</summary>
    public static bool IsFineTuneCheckpoint(string path)
    {
        if (!File.Exists(path)) return false;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            return r.ReadString() == Magic;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException) { return false; }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming every setting in which the checkpoint differs from this run: the
    /// configuration (except <see cref="FineTuneConfig.Epochs"/>, which a resume may extend, and
    /// <see cref="FineTuneConfig.ReportEveryNSteps"/>, which changes no number) and, when given, the data shape.
    /// </summary>
    public static void RequireSameSettings(string path, FineTuneCheckpointInfo saved, FineTuneConfig current, FineTuneData? currentData = null)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(current);
        var comparable = saved.Config with { Epochs = current.Epochs, ReportEveryNSteps = current.ReportEveryNSteps };
        var differences = SettingsDiff.Between(ConfigJson.Serialize(comparable), ConfigJson.Serialize(current)).ToList();
        int settings = differences.Count;
        if (currentData is not null)
            differences.AddRange(SettingsDiff.Between(ConfigJson.SerializeValue(saved.Data), ConfigJson.SerializeValue(currentData)));
        if (differences.Count == 0) return;
        throw new ArgumentException(
            $"{Kind} '{path}' was written with other settings than this run, so it cannot be resumed (only Epochs and ReportEveryNSteps may differ). " +
            $"{differences.Count} setting(s) differ: {string.Join("; ", differences)}." +
            (differences.Count > settings ? " The visiting order and batches follow the data: was the data changed, or were other rows skipped?" : ""));
    }

    /// <summary>
    /// Loads weights, optimiser state and loop state into an already-built model and optimiser (built from the same
    /// configuration). The returned state owns the best-weights copy, if any.
    /// </summary>
    public static FineTuneState Load(string path, ResNetClassifier model, MomentumSgd optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        using var r = Open(path);
        ChecksumTrailer.Verify(path, Kind);
        ReadHeader(r, path);
        var state = CheckpointIo.Guard(Kind, path, () => ReadProgress(r));
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

    private static void WriteProgress(BinaryWriter w, FineTuneState s)
    {
        w.Write(s.Epoch); w.Write(s.StepInEpoch); w.Write(s.GlobalStep);
        w.Write(s.EpochLossSum); w.Write(s.EpochSeen); w.Write(s.EpochCorrect); w.Write(s.EpochSeconds);
        w.Write(s.BestEpoch ?? 0); w.Write(s.BestAccuracy); w.Write(s.EpochsSinceBest); w.Write(s.EarlyStopped);
        w.Write(s.Epochs.Count);
        foreach (var e in s.Epochs)
        {
            w.Write(e.Epoch); w.Write(e.TrainLoss); w.Write(e.TrainAccuracy); w.Write(e.ValidationLoss ?? double.NaN); w.Write(e.ValidationAccuracy ?? double.NaN);
            w.Write(e.LearningRate); w.Write(e.ImagesPerSecond); w.Write(e.Seconds);
        }
        w.Write(s.StepLosses.Count);
        foreach (var l in s.StepLosses) w.Write(l);
    }

    private static FineTuneState ReadProgress(BinaryReader r)
    {
        var s = new FineTuneState
        {
            Epoch = r.ReadInt32(), StepInEpoch = r.ReadInt64(), GlobalStep = r.ReadInt64(),
            EpochLossSum = r.ReadDouble(), EpochSeen = r.ReadInt64(), EpochCorrect = r.ReadInt64(), EpochSeconds = r.ReadDouble(),
        };
        int best = r.ReadInt32();
        s.BestEpoch = best == 0 ? null : best;
        s.BestAccuracy = r.ReadDouble(); s.EpochsSinceBest = r.ReadInt32(); s.EarlyStopped = r.ReadBoolean();
        int epochs = r.ReadInt32();
        if (epochs < 0 || epochs != s.Epoch) throw new InvalidDataException($"it records {epochs} epoch summaries at epoch {s.Epoch}");
        for (int i = 0; i < epochs; i++)
            s.Epochs.Add(new FineTuneEpoch(r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), NullIfNaN(r.ReadDouble()), NullIfNaN(r.ReadDouble()),
                r.ReadDouble(), r.ReadDouble(), r.ReadDouble()));
        int steps = r.ReadInt32();
        if (steps < 0 || steps != s.GlobalStep) throw new InvalidDataException($"it records {steps} step losses at step {s.GlobalStep}");
        for (int i = 0; i < steps; i++) s.StepLosses.Add(r.ReadSingle());
        return s;
    }

    private static double? NullIfNaN(double v) => double.IsNaN(v) ? null : v;

    private static (FineTuneConfig Config, FineTuneData Data) ReadHeader(BinaryReader r, string path)
    {
        try { return (ConfigJson.DeserializeFineTune(r.ReadString()), ConfigJson.DeserializeValue<FineTuneData>(r.ReadString())); }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or System.Text.Json.JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt: its configuration cannot be read ({e.Message}).", e);
        }
    }

    private static BinaryReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{Kind} '{path}' does not exist.", path);
        var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            string magic = r.ReadString();
            if (magic != Magic) throw new InvalidDataException($"'{path}' is not a GeoSSL fine-tuning checkpoint{ForeignHint(magic)}.");
            int version = r.ReadInt32();
            if (version < 1 || version > FormatVersion) throw new InvalidDataException($"{Kind} '{path}' has format {version}; this library reads 1-{FormatVersion}.");
            return r;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException)
        {
            r.Dispose();
            throw new InvalidDataException($"'{path}' is not a GeoSSL fine-tuning checkpoint (it is empty or ends before its header).", e);
        }
        catch { r.Dispose(); throw; }
    }

    /// <summary>The two other GeoSSL files are easy to pass here by mistake; say which one it is.</summary>
    private static string ForeignHint(string magic) => magic switch
    {
        "GEOSSLCL" => " (it is a trained classifier written by ClassifierCheckpoint: weights only, no training state to resume)",
        "GEOSSLCK" => " (it is a pretraining checkpoint: start fine-tuning from its encoder instead, e.g. InitialEncoderPath)",
        _ => "",
    };
}
