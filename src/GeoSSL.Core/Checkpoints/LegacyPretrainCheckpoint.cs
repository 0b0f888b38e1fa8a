using System.Text;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Training;
using GeoSSL.Data.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Checkpoints;

/// <summary>
/// Reads pretraining checkpoints of earlier versions (magic GEOSSLCK, formats 1-3: configuration, loop state, model,
/// TorchSharp SGD state, and from format 3 a data fingerprint and a SHA-256 trailer) for what they are still good for: their
/// configuration and weights. Their loop and optimiser state are skipped; such files start new runs but are not resumed.
/// </summary>
internal static class LegacyPretrainCheckpoint
{
    private const string Magic = "GEOSSLCK";
    private const int LastFormat = 3;
    private const string Kind = "Checkpoint";

    public static bool IsLegacy(string path) => Engine.TrainingCheckpoint.ReadMagic(path) == Magic;

    public static PretrainConfig Verify(string path)
    {
        var (r, version) = Open(path);
        using (r)
        {
            var config = ReadConfig(r, path);
            if (version >= 3) ChecksumTrailer.Verify(path, Kind);
            return config;
        }
    }

    public static PretrainConfig ReadConfig(string path)
    {
        var (r, _) = Open(path);
        using (r) return ReadConfig(r, path);
    }

    public static string? ReadDataFingerprint(string path)
    {
        var (r, version) = Open(path);
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

    /// <summary>
    /// Loads the weights into a model built from the file's configuration. The state dict of these files predates the
    /// "queue_ptr" buffer: the pointer stored beside it is put there.
    /// </summary>
    public static void LoadWeights(string path, GeoMoco model)
    {
        var (r, version) = Open(path);
        using var _ = r;
        if (version >= 3) ChecksumTrailer.Verify(path, Kind);
        try
        {
            r.ReadString(); // configuration
            if (version >= 3) r.ReadString(); // data fingerprint
            r.ReadInt32(); r.ReadInt64(); r.ReadInt64(); // epoch, step in epoch, global step
            for (int i = 0; i < 4; i++) r.ReadDouble(); // running sums and seconds
            long queuePointer = r.ReadInt64();
            int epochs = r.ReadInt32();
            int doublesPerEpoch = version >= 2 ? 8 : 6;
            for (int i = 0; i < epochs; i++)
            {
                r.ReadInt32();
                for (int j = 0; j < doublesPerEpoch; j++) r.ReadDouble();
            }
            int steps = r.ReadInt32();
            for (int i = 0; i < steps; i++) r.ReadSingle();
            ReadStateDict(r, model);
            if (model.Options.Contrastive) model.QueuePointer = queuePointer;
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt, or does not fit its own configuration ({e.GetType().Name}: {e.Message}).", e);
        }
        FiniteWeights.Require(model, $"{Kind} '{path}'");
    }

    /// <summary>TorchSharp's module format (entry count, then name and tensor per entry), taking every entry but the new pointer buffer.</summary>
    private static void ReadStateDict(BinaryReader r, GeoMoco model)
    {
        var target = model.state_dict();
        var loaded = new HashSet<string>();
        long count = r.Read7BitEncodedInt64();
        using (no_grad())
            for (long i = 0; i < count; i++)
            {
                string name = r.ReadString();
                if (!target.TryGetValue(name, out var tensor))
                    throw new InvalidDataException($"it holds '{name}', which a model of its own configuration does not have");
                tensor.Load(r);
                loaded.Add(name);
            }
        var missing = target.Keys.Where(k => k != "queue_ptr" && !loaded.Contains(k)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"it lacks {string.Join(", ", missing.Take(3))}{(missing.Count > 3 ? ", ..." : "")}");
    }

    private static PretrainConfig ReadConfig(BinaryReader r, string path)
    {
        try { return ConfigJson.Deserialize(r.ReadString()); }
        catch (Exception e) when (e is EndOfStreamException or IOException or System.Text.Json.JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt: its configuration cannot be read ({e.Message}).", e);
        }
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static (BinaryReader Reader, int Version) Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{Kind} '{path}' does not exist.", path);
        var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            if (r.ReadString() != Magic) throw new InvalidDataException($"'{path}' is not a GeoSSL checkpoint.");
            int version = r.ReadInt32();
            if (version < 1 || version > LastFormat) throw new InvalidDataException($"{Kind} '{path}' has format {version}; this library reads 1-{LastFormat}.");
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
