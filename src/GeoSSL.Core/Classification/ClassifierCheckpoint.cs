using System.Text;
using System.Text.Json;
using GeoSSL.Core.Checkpoints;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Files;
using GeoSSL.Data.Input;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Classification;

/// <summary>What a classifier checkpoint says about its model.</summary>
/// <param name="Encoder">Backbone shape.</param>
/// <param name="NumClasses">Outputs of <c>fc</c>.</param>
/// <param name="Input">What the model takes (bands, sample scale, normalisation; its size is the training images' size).</param>
/// <param name="ClassNames">Class names in output order, if known.</param>
internal sealed record ClassifierInfo(ResNetOptions Encoder, int NumClasses, ImageInputSpec Input, string[]? ClassNames);

/// <summary>
/// A single-file checkpoint of a trained <see cref="ResNetClassifier"/>: a JSON header (<see cref="ClassifierInfo"/>) and
/// the TorchSharp state dict, whose keys are torchvision's resnet keys (conv1.weight, ..., fc.weight, fc.bias).
/// Written through <see cref="AtomicFile"/>, followed by a SHA-256 of the content (format 2) that is checked, with the
/// weights' finiteness, before the model is trusted.
/// </summary>
internal static class ClassifierCheckpoint
{
    private const string Magic = "GEOSSLCL";
    private const int FormatVersion = 2; // 2 added the checksum trailer; 1 is still read
    private const string Kind = "Classifier checkpoint";

    public static void Save(string path, ResNetClassifier model, ClassifierInfo info)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(info);
        if (info.Encoder != model.EncoderOptions || info.NumClasses != model.NumClasses)
            throw new ArgumentException("The info does not describe this model (encoder or number of classes differ).", nameof(info));
        AtomicFile.Write(path, stream =>
        {
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(FormatVersion);
                w.Write(JsonSerializer.Serialize(info));
                model.save(w);
            }
            ChecksumTrailer.Append(stream);
        });
    }

    /// <summary>Reads only the header.</summary>
    public static ClassifierInfo ReadInfo(string path)
    {
        using var r = Open(path);
        return ReadHeader(r, path);
    }

    /// <summary>Builds the model described by the checkpoint on <paramref name="device"/> (CPU when null), loads its weights and puts it in eval mode.</summary>
    public static (ResNetClassifier Model, ClassifierInfo Info) Load(string path, Device? device = null)
    {
        var (r, version) = OpenVersioned(path);
        using var _ = r;
        if (version >= 2) ChecksumTrailer.Verify(path, Kind);
        var info = ReadHeader(r, path);
        var model = new ResNetClassifier(info.Encoder, info.NumClasses);
        try
        {
            try { model.load(r, strict: true); }
            catch (Exception e) when (e is not InvalidDataException)
            {
                throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt, or does not fit its own header ({e.GetType().Name}: {e.Message}).", e);
            }
            FiniteWeights.Require(model, $"{Kind} '{path}'");
            model.to(device ?? CPU);
            model.eval();
            return (model, info);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static ClassifierInfo ReadHeader(BinaryReader r, string path)
    {
        try
        {
            string json = LegacyInputSpec.Upgrade(r.ReadString(), root => root, root => (int?)root["ImageSize"]);
            return JsonSerializer.Deserialize<ClassifierInfo>(json) ?? throw new InvalidDataException($"{Kind} '{path}' has an empty header.");
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or JsonException)
        {
            throw new InvalidDataException($"{Kind} '{path}' is truncated or corrupt: its header cannot be read ({e.Message}).", e);
        }
    }

    private static BinaryReader Open(string path) => OpenVersioned(path).Reader;

    private static (BinaryReader Reader, int Version) OpenVersioned(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Classifier checkpoint '{path}' does not exist.", path);
        var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            if (r.ReadString() != Magic) throw new InvalidDataException($"'{path}' is not a GeoSSL classifier checkpoint.");
            int version = r.ReadInt32();
            if (version < 1 || version > FormatVersion) throw new InvalidDataException($"{Kind} '{path}' has format {version}; this library reads 1-{FormatVersion}.");
            return (r, version);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            r.Dispose();
            throw new InvalidDataException($"'{path}' is not a GeoSSL classifier checkpoint.", e);
        }
        catch { r.Dispose(); throw; }
    }
}
