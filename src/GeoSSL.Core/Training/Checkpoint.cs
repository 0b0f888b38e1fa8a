using System.Text;
using GeoSSL.Core.Checkpoints;
using GeoSSL.Core.Contrastive;
using GeoSSL.Data.Files;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Core.Training;

/// <summary>
/// A single-file checkpoint: configuration, loop state, model (both encoders, heads, queue, BatchNorm
/// statistics) and optimiser state, then a SHA-256 of all of it. Written through <see cref="AtomicFile"/> (temporary file,
/// fsync, rename), so a crash never leaves half a file; read back only after its checksum and then its weights
/// (all finite) check out, and every failure names the file.
/// </summary>
public static class Checkpoint
{
    private const string Magic = "GEOSSLCK";
    private const int FormatVersion = 3; // 3 added the checksum trailer; 2 the monitor figures of each epoch; 1 and 2 are still read
    private const string Kind = "Checkpoint";

    public static void Save(string path, PretrainConfig config, TrainingState state, GeoMoco model, OptimizerHelper? optimizer)
    {
        AtomicFile.Write(path, stream =>
        {
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(FormatVersion);
                w.Write(ConfigJson.Serialize(config));
                w.Write(state.DataFingerprint ?? "");
                w.Write(state.Epoch);
                w.Write(state.StepInEpoch);
                w.Write(state.GlobalStep);
                w.Write(state.EpochLossSum);
                w.Write(state.EpochContrastiveSum);
                w.Write(state.EpochGeoSum);
                w.Write(state.EpochSeconds);
                w.Write(model.QueuePointer);
                w.Write(state.Epochs.Count);
                foreach (var e in state.Epochs)
                {
                    w.Write(e.Epoch); w.Write(e.Loss); w.Write(e.ContrastiveLoss); w.Write(e.GeoLoss);
                    w.Write(e.LearningRate); w.Write(e.ImagesPerSecond); w.Write(e.Seconds);
                    w.Write(e.KnnAccuracy ?? double.NaN); w.Write(e.EmbeddingStd ?? double.NaN);
                }
                w.Write(state.StepLosses.Count);
                foreach (var l in state.StepLosses) w.Write(l);
                model.save(w);
                w.Write(optimizer is not null);
                optimizer?.save_state_dict(w);
            }
            ChecksumTrailer.Append(stream);
        });
    }

    /// <summary>
    /// Checks the whole file without building a model: a checkpoint, a readable format, a configuration, and (format 3)
    /// a checksum matching the content. Cheap next to training; run it before decoding any data.
    /// </summary>
    public static PretrainConfig Verify(string path)
    {
        var (r, version) = OpenVersioned(path);
        using (r)
        {
            var config = ReadConfig(r, path);
            if (version >= 3) ChecksumTrailer.Verify(path, Kind);
            return config;
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming every setting in which the checkpoint's configuration differs from
    /// <paramref name="current"/> (ignoring <see cref="PretrainConfig.Epochs"/>, which a resume may extend).
    /// </summary>
    public static void RequireSameSettings(string path, PretrainConfig saved, PretrainConfig current)
    {
        var differences = SettingsDiff.Between(ConfigJson.Serialize(saved with { Epochs = current.Epochs }), ConfigJson.Serialize(current));
        if (differences.Count == 0) return;
        bool geo = differences.Any(d => d.StartsWith("Model.GeoClasses", StringComparison.Ordinal));
        throw new ArgumentException(
            $"Checkpoint '{path}' was written with other settings than this run, so it cannot be resumed (only Epochs may differ). " +
            $"{differences.Count} setting(s) differ: {string.Join("; ", differences)}." +
            (geo ? " The number of geo clusters follows the input rows: did the data change?" : ""));
    }

    /// <summary>True when <paramref name="path"/> starts like a checkpoint written by <see cref="Save"/> (any format version).</summary>
    public static bool IsCheckpoint(string path)
    {
        if (!File.Exists(path)) return false;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            return r.ReadString() == Magic;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException) { return false; }
    }

    /// <summary>Reads only the configuration (to rebuild the model before loading weights).</summary>
    public static PretrainConfig ReadConfig(string path)
    {
        using var r = Open(path);
        return ReadConfig(r, path);
    }

    private static PretrainConfig ReadConfig(BinaryReader r, string path)
    {
        try { return ConfigJson.Deserialize(r.ReadString()); }
        catch (Exception e) when (e is EndOfStreamException or IOException or System.Text.Json.JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt: its configuration cannot be read ({e.Message}).", e);
        }
    }

    /// <summary>Loads state and weights into an already-built model (and optimiser, if given and present).</summary>
    public static TrainingState Load(string path, GeoMoco model, OptimizerHelper? optimizer)
    {
        var (r, version) = OpenVersioned(path);
        using var _ = r;
        if (version >= 3) ChecksumTrailer.Verify(path, Kind);
        TrainingState state;
        try
        {
            r.ReadString(); // configuration, read by ReadConfig
            string? fingerprint = version >= 3 ? NullIfEmpty(r.ReadString()) : null;
            state = new TrainingState
            {
                DataFingerprint = fingerprint,
                Epoch = r.ReadInt32(), StepInEpoch = r.ReadInt64(), GlobalStep = r.ReadInt64(),
                EpochLossSum = r.ReadDouble(), EpochContrastiveSum = r.ReadDouble(), EpochGeoSum = r.ReadDouble(), EpochSeconds = r.ReadDouble(),
            };
            model.QueuePointer = r.ReadInt64();
            int epochs = r.ReadInt32();
            for (int i = 0; i < epochs; i++)
            {
                var e = new EpochSummary(r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());
                if (version >= 2) e = e with { KnnAccuracy = NullIfNaN(r.ReadDouble()), EmbeddingStd = NullIfNaN(r.ReadDouble()) };
                state.Epochs.Add(e);
            }
            int steps = r.ReadInt32();
            for (int i = 0; i < steps; i++) state.StepLosses.Add(r.ReadSingle());
            model.load(r, strict: true);
            bool hasOptimizer = r.ReadBoolean();
            if (hasOptimizer && optimizer is not null) optimizer.load_state_dict(r);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt, or does not fit its own configuration ({e.GetType().Name}: {e.Message}).", e);
        }
        FiniteWeights.Require(model, $"{Kind} '{path}'");
        return state;
    }

    private static double? NullIfNaN(double v) => double.IsNaN(v) ? null : v;
    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    /// <summary>The training data's fingerprint stored in the checkpoint (format 3), or null.</summary>
    public static string? ReadDataFingerprint(string path)
    {
        var (r, version) = OpenVersioned(path);
        using (r)
        {
            ReadConfig(r, path);
            if (version < 3) return null;
            try { return NullIfEmpty(r.ReadString()); }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt: it ends inside its header.", e);
            }
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> when both fingerprints are known and differ.</summary>
    public static void RequireSameData(string path, string? saved, string? current)
    {
        if (saved is null || current is null || saved == current) return;
        throw new ArgumentException($"Checkpoint '{path}' was trained on other data ({saved}) than this run has ({current}): an exact resume needs the " +
            "same rows in the same order. Resume with the original input, or start a new run from its weights with InitialWeightsPath.");
    }

    private static BinaryReader Open(string path) => OpenVersioned(path).Reader;

    private static (BinaryReader Reader, int Version) OpenVersioned(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            if (r.ReadString() != Magic) throw new InvalidDataException($"'{path}' is not a GeoSSL checkpoint.");
            int version = r.ReadInt32();
            if (version < 1 || version > FormatVersion) throw new InvalidDataException($"Checkpoint '{path}' has format {version}; this library reads 1-{FormatVersion}.");
            return (r, version);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            r.Dispose();
            throw new InvalidDataException($"'{path}' is not a GeoSSL checkpoint (it is empty or ends before its header).", e);
        }
        catch { r.Dispose(); throw; }
    }
}
