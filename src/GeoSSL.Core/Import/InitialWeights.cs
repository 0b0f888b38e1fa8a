using GeoSSL.Core.Checkpoints;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;

namespace GeoSSL.Core.Import;

/// <summary>
/// Starting weights for an encoder from a file, by its ending: <c>.onnx</c> through <see cref="OnnxResNetImporter"/>
/// (e.g. ML.NET's ImageNet ResNet18.onnx), PyTorch state dicts (<c>.pt .pth .pth.tar .ckpt .bin .safetensors</c>)
/// through <see cref="TorchStateDictImporter"/>, and GeoSSL pretraining checkpoints (recognised by content, whatever
/// the ending), whose query encoder starts a new run with new data or settings (to continue the same run, resume).
/// </summary>
public static class InitialWeights
{
    /// <summary>The encoder layout the file holds (depth, blocks per layer, width, input channels, stem).</summary>
    public static ResNetOptions ReadLayout(string path) =>
        IsOnnx(path) ? OnnxResNetImporter.ReadLayout(path)
        : Checkpoint.IsCheckpoint(path) ? Checkpoint.ReadConfig(path).Model.Encoder
        : TorchStateDictImporter.ReadLayout(Checked(path));

    /// <summary>Copies the file's weights into <paramref name="encoder"/> and checks them finite; returns the parameter names filled.</summary>
    public static IReadOnlyList<string> LoadInto(ResNetEncoder encoder, string path, bool reverseInputChannels = false)
    {
        var filled = IsOnnx(path) ? OnnxResNetImporter.LoadInto(encoder, path, reverseInputChannels)
            : Checkpoint.IsCheckpoint(path) ? LoadCheckpointInto(encoder, path, reverseInputChannels)
            : TorchStateDictImporter.LoadInto(encoder, Checked(path), reverseInputChannels);
        FiniteWeights.Require(encoder, $"Initial weights '{path}'");
        return filled;
    }

    /// <summary>A new CPU encoder of the file's layout holding its weights (checked): read a file once, before any data.</summary>
    public static ResNetEncoder Load(string path, bool reverseInputChannels = false)
    {
        var encoder = new ResNetEncoder(ReadLayout(path));
        try
        {
            LoadInto(encoder, path, reverseInputChannels);
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    private static IReadOnlyList<string> LoadCheckpointInto(ResNetEncoder encoder, string path, bool reverseInputChannels)
    {
        using var moco = new GeoMoco(Checkpoint.ReadConfig(path).Model);
        Checkpoint.Load(path, moco, optimizer: null);
        var weights = moco.QueryEncoder.state_dict().ToDictionary(p => p.Key, p => p.Value);
        return TorchStateDictImporter.CopyInto(encoder, weights, prefix: "", path, reverseInputChannels);
    }

    private static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    private static string Checked(string path)
    {
        if (!TorchStateDictImporter.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"'{path}': initial weights must be .onnx or a PyTorch state dict ({string.Join(" ", TorchStateDictImporter.Extensions)}).", nameof(path));
        return path;
    }
}
