using System.Text;
using System.Text.Json;
using GeoSSL.Core.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Classification;

/// <summary>What a classifier checkpoint says about its model.</summary>
/// <param name="Encoder">Backbone shape.</param>
/// <param name="NumClasses">Outputs of <c>fc</c>.</param>
/// <param name="Mean">Per-channel mean of inputs scaled to 0..1 that the model expects.</param>
/// <param name="Std">Per-channel std.</param>
/// <param name="ImageSize">Side of the images it was trained on.</param>
/// <param name="ClassNames">Class names in output order, if known.</param>
public sealed record ClassifierInfo(ResNetOptions Encoder, int NumClasses, float[] Mean, float[] Std, int ImageSize, string[]? ClassNames);

/// <summary>
/// A single-file checkpoint of a trained <see cref="ResNetClassifier"/>: a JSON header (<see cref="ClassifierInfo"/>) and
/// the TorchSharp state dict, whose keys are torchvision's resnet keys (conv1.weight, ..., fc.weight, fc.bias).
/// Written to a temporary file and renamed.
/// </summary>
public static class ClassifierCheckpoint
{
    private const string Magic = "GEOSSLCL";
    private const int FormatVersion = 1;

    public static void Save(string path, ResNetClassifier model, ClassifierInfo info)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(info);
        if (info.Encoder != model.EncoderOptions || info.NumClasses != model.NumClasses)
            throw new ArgumentException("The info does not describe this model (encoder or number of classes differ).", nameof(info));
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var w = new BinaryWriter(File.Create(temp), Encoding.UTF8, leaveOpen: false))
            {
                w.Write(Magic);
                w.Write(FormatVersion);
                w.Write(JsonSerializer.Serialize(info));
                model.save(w);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
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
        using var r = Open(path);
        var info = ReadHeader(r, path);
        var model = new ResNetClassifier(info.Encoder, info.NumClasses);
        try
        {
            model.load(r, strict: true);
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

    private static ClassifierInfo ReadHeader(BinaryReader r, string path) =>
        JsonSerializer.Deserialize<ClassifierInfo>(r.ReadString()) ?? throw new InvalidDataException($"'{path}' has an empty header.");

    private static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Classifier checkpoint '{path}' does not exist.", path);
        var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            if (r.ReadString() != Magic) throw new InvalidDataException($"'{path}' is not a GeoSSL classifier checkpoint.");
            int version = r.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"Classifier checkpoint '{path}' has format {version}; this library reads {FormatVersion}.");
            return r;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            r.Dispose();
            throw new InvalidDataException($"'{path}' is not a GeoSSL classifier checkpoint.", e);
        }
        catch { r.Dispose(); throw; }
    }
}
