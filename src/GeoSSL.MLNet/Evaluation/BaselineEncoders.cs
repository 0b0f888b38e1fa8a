using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;

namespace GeoSSL.MLNet.Evaluation;

/// <summary>Encoders for baseline rows: what features are worth before any training.</summary>
public static class BaselineEncoders
{
    /// <summary>
    /// A randomly initialised encoder (torchvision's init, seeded) as ONNX in the featurizer's format: input RGB 0..255
    /// [N,3,size,size] normalised with <paramref name="mean"/>/<paramref name="std"/> (ImageNet's by default).
    /// Give it to <c>mlContext.Transforms.GeoFeaturizeImage(new GeoImageFeaturizerEstimator.Options { EncoderOnnx = bytes })</c>.
    /// </summary>
    /// <param name="architecture">ResNet-18 or ResNet-50.</param>
    /// <param name="baseWidth">Channels of layer1 (64 as torchvision; smaller gives cheap encoders).</param>
    /// <param name="imageSize">Side in pixels of the input the ONNX takes.</param>
    /// <param name="seed">Seed of the initialisation.</param>
    /// <param name="mean">Per-channel mean on 0..1 samples; null = ImageNet's.</param>
    /// <param name="std">Per-channel std on 0..1 samples; null = ImageNet's.</param>
    public static byte[] RandomInit(GeoSSL.MLNet.ResNetDepth architecture, int baseWidth, int imageSize, int seed = 1, float[]? mean = null, float[]? std = null)
        => RandomInit(new ResNetOptions { Depth = architecture.ToCore(), BaseWidth = baseWidth }, imageSize, seed, mean, std);

    internal static byte[] RandomInit(ResNetOptions encoder, int imageSize, int seed = 1, float[]? mean = null, float[]? std = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        TorchSharp.torch.random.manual_seed(seed);
        using var network = new ResNetEncoder(encoder);
        network.eval();
        var options = new OnnxExportOptions { Input = GeoSSL.Data.Input.ImageInputSpec.Rgb(imageSize, mean, std) };
        return OnnxEncoderExporter.Export(network, options);
    }
}
