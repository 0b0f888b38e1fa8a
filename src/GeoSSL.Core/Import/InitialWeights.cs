using GeoSSL.Core.Networks;

namespace GeoSSL.Core.Import;

/// <summary>
/// Starting weights for an encoder from a file, by its ending: <c>.onnx</c> through <see cref="OnnxResNetImporter"/>
/// (e.g. ML.NET's ImageNet ResNet18.onnx), PyTorch state dicts (<c>.pt .pth .pth.tar .ckpt .bin .safetensors</c>)
/// through <see cref="TorchStateDictImporter"/>.
/// </summary>
public static class InitialWeights
{
    /// <summary>The encoder layout the file holds (depth, blocks per layer, width, input channels, stem).</summary>
    public static ResNetOptions ReadLayout(string path) => IsOnnx(path)
        ? OnnxResNetImporter.ReadLayout(path)
        : TorchStateDictImporter.ReadLayout(Checked(path));

    /// <summary>Copies the file's weights into <paramref name="encoder"/>; returns the parameter names filled.</summary>
    public static IReadOnlyList<string> LoadInto(ResNetEncoder encoder, string path, bool reverseInputChannels = false) => IsOnnx(path)
        ? OnnxResNetImporter.LoadInto(encoder, path, reverseInputChannels)
        : TorchStateDictImporter.LoadInto(encoder, Checked(path), reverseInputChannels);

    private static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    private static string Checked(string path)
    {
        if (!TorchStateDictImporter.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"'{path}': initial weights must be .onnx or a PyTorch state dict ({string.Join(" ", TorchStateDictImporter.Extensions)}).", nameof(path));
        return path;
    }
}
