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
internal static class InitialWeights
{
    /// <summary>The encoder layout the file holds (depth, blocks per layer, width, input channels, stem).</summary>
    public static ResNetOptions ReadLayout(string path) =>
        IsOnnx(path) ? OnnxResNetImporter.ReadLayout(path)
        : Checkpoint.IsCheckpoint(path) ? Checkpoint.ReadConfig(path).Model.Encoder
        : TorchStateDictImporter.ReadLayout(Checked(path));

    /// <summary>
    /// Copies the file's weights into <paramref name="encoder"/> and checks them finite; returns the parameter names filled.
    /// An encoder with another input-channel count than an RGB file (e.g. 4 or 13 Sentinel-2 bands) gets conv1 adapted by
    /// <see cref="InputChannelAdapter"/>: the channels <paramref name="bandNames"/> call red/green/blue keep those filters,
    /// the others start from their mean, all scaled by 3/C (no names: every channel gets the mean).
    /// </summary>
    /// <param name="reverseInputChannels">Flip the file's conv1 input channels first, e.g. BGR to RGB for ML.NET's ResNet18.onnx.</param>
    /// <param name="bandNames">The encoder's input bands in order (e.g. B02,B03,B04,B08); one per input channel.</param>
    public static IReadOnlyList<string> LoadInto(ResNetEncoder encoder, string path, bool reverseInputChannels = false, IReadOnlyList<string>? bandNames = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        int channels = encoder.Options.InputChannels;
        if (bandNames is not null && bandNames.Count != channels)
            throw new ArgumentException($"'{path}': {bandNames.Count} band names [{string.Join(",", bandNames)}] for an encoder of {channels} input channels; expected one name per channel.", nameof(bandNames));
        // Only a non-RGB encoder pays for reading the layout; an RGB encoder meets a non-RGB file as a shape error, as before.
        int fileChannels = channels == 3 ? 3 : ReadLayout(path).InputChannels;
        IReadOnlyList<string> filled;
        if (fileChannels == channels) filled = LoadSameChannels(encoder, path, reverseInputChannels);
        else if (fileChannels != 3)
            throw new InvalidDataException($"'{path}': conv1 takes {fileChannels} input channels, the encoder {channels}; " +
                "only RGB (3-channel) weights can be adapted to another channel count. Build the encoder with the file's channels.");
        else filled = LoadAdapted(encoder, path, reverseInputChannels, bandNames is null ? InputChannelAdapter.Unnamed(channels) : InputChannelAdapter.Map(bandNames));
        FiniteWeights.Require(encoder, $"Initial weights '{path}'");
        return filled;
    }

    private static IReadOnlyList<string> LoadSameChannels(ResNetEncoder encoder, string path, bool reverseInputChannels) =>
        IsOnnx(path) ? OnnxResNetImporter.LoadInto(encoder, path, reverseInputChannels)
        : Checkpoint.IsCheckpoint(path) ? LoadCheckpointInto(encoder, path, reverseInputChannels)
        : TorchStateDictImporter.LoadInto(encoder, Checked(path), reverseInputChannels);

    /// <summary>
    /// Loads the file into an RGB twin of the encoder (every reader and check as for RGB, channel flip included), then
    /// copies the twin into the encoder with conv1 replaced by its adaptation, through the same CopyInto as checkpoints.
    /// </summary>
    private static IReadOnlyList<string> LoadAdapted(ResNetEncoder encoder, string path, bool reverseInputChannels, RgbBandMap map)
    {
        using var rgb = new ResNetEncoder(encoder.Options with { InputChannels = 3 });
        LoadSameChannels(rgb, path, reverseInputChannels);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var weights = rgb.state_dict().ToDictionary(p => p.Key, p => p.Value);
        weights["conv1.weight"] = InputChannelAdapter.Adapt(weights["conv1.weight"], map, path);
        return TorchStateDictImporter.CopyInto(encoder, weights, prefix: "", path, reverseInputChannels: false);
    }

    /// <summary>A new CPU encoder of the file's layout holding its weights (checked): read a file once, before any data.</summary>
    public static ResNetEncoder Load(string path, bool reverseInputChannels = false) => Load(path, reverseInputChannels, bandNames: null);

    /// <summary>
    /// As <see cref="Load(string, bool)"/>, for <paramref name="bandNames"/>.Count input channels when not null: an RGB
    /// file's conv1 is adapted to those bands (see <see cref="LoadInto"/>).
    /// </summary>
    public static ResNetEncoder Load(string path, bool reverseInputChannels, IReadOnlyList<string>? bandNames)
    {
        var layout = ReadLayout(path);
        var encoder = new ResNetEncoder(bandNames is null ? layout : layout with { InputChannels = bandNames.Count });
        try
        {
            LoadInto(encoder, path, reverseInputChannels, bandNames);
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
        Checkpoint.LoadWeights(path, moco);
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
