using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;

namespace GeoSSL.MLNet.Evaluation;

/// <summary>Encoders for baseline rows: what features are worth before any training.</summary>
public static class BaselineEncoders
{
    /// <summary>
    /// A randomly initialised encoder (torchvision's init, seeded) as ONNX in the featurizer's format: input RGB 0..255
    /// [N,3,size,size] normalised with <paramref name="mean"/>/<paramref name="std"/> (ImageNet's by default).
    /// Give it to <c>new GeoImageFeaturizerEstimator(mlContext, bytes)</c>.
    /// </summary>
    public static byte[] RandomInit(ResNetOptions encoder, int imageSize, int seed = 1, float[]? mean = null, float[]? std = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        TorchSharp.torch.random.manual_seed(seed);
        using var network = new ResNetEncoder(encoder);
        network.eval();
        var options = new OnnxExportOptions { Input = GeoSSL.Data.Input.ImageInputSpec.Rgb(imageSize, mean, std) };
        return OnnxEncoderExporter.Export(network, options);
    }
}
