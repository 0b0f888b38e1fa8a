using System.Text;
using GeoSSL.Core.Contrastive;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Core.Training;

/// <summary>
/// A single-file checkpoint: configuration, loop state, model (both encoders, heads, queue, BatchNorm
/// statistics) and optimiser state. Written to a temporary file and renamed, so a crash never leaves half a file.
/// </summary>
public static class Checkpoint
{
    private const string Magic = "GEOSSLCK";
    private const int FormatVersion = 2; // 2 added the monitor figures of each epoch; 1 is still read

    public static void Save(string path, PretrainConfig config, TrainingState state, GeoMoco model, OptimizerHelper? optimizer)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = File.Create(temp))
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: false))
            {
                w.Write(Magic);
                w.Write(FormatVersion);
                w.Write(ConfigJson.Serialize(config));
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
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
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
        return ConfigJson.Deserialize(r.ReadString());
    }

    /// <summary>Loads state and weights into an already-built model (and optimiser, if given and present).</summary>
    public static TrainingState Load(string path, GeoMoco model, OptimizerHelper? optimizer)
    {
        var (r, version) = OpenVersioned(path);
        using var _ = r;
        r.ReadString(); // configuration, read by ReadConfig
        var state = new TrainingState
        {
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
        return state;
    }

    private static double? NullIfNaN(double v) => double.IsNaN(v) ? null : v;

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
            throw new InvalidDataException($"'{path}' is not a GeoSSL checkpoint.", e);
        }
        catch { r.Dispose(); throw; }
    }
}
