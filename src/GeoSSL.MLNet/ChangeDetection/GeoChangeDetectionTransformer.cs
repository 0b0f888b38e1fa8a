using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>
/// The trained change detector that <see cref="GeoChangeDetectionEstimator.Fit"/> returns: a thin view over
/// <see cref="StockChainTransformer.StockChain"/> (LoadImages/ResizeImages/ExtractPixels or CopyColumns per date, ApplyOnnxModel, DropColumns)
/// that adds the change probability column (float[H*W], dimensions [H, W]). Saving writes that chain, so a model loaded
/// with <c>mlContext.Model.Load</c> is ML.NET's own transforms and needs nothing from this package.
/// </summary>
public sealed class GeoChangeDetectionTransformer : StockChainTransformer
{
    private readonly byte[] onnx;

    internal GeoChangeDetectionTransformer(TransformerChain<ITransformer> stockChain, string outputColumnName, int imageSize, byte[] detectorOnnx)
        : base(stockChain)
    {
        OutputColumnName = outputColumnName; ImageSize = imageSize; onnx = detectorOnnx;
    }

    /// <summary>The added column: change probability per pixel, row-major, dimensions [ImageSize, ImageSize].</summary>
    public string OutputColumnName { get; }

    /// <summary>Side in pixels of the tiles it takes and the maps it gives.</summary>
    public int ImageSize { get; }

    /// <summary>The detector as ONNX (inputs "image1", "image2" [N,3,S,S] RGB 0..255; output "probabilities" [N,2,S,S]).</summary>
    public byte[] DetectorOnnx => (byte[])onnx.Clone();
}
