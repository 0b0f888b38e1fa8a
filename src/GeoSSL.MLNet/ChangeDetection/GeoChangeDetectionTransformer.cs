using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>
/// The trained change detector that <see cref="GeoChangeDetectionEstimator.Fit"/> returns: a thin view over
/// <see cref="StockChain"/> (LoadImages/ResizeImages/ExtractPixels or CopyColumns per date, ApplyOnnxModel, DropColumns)
/// that adds the change probability column (float[H*W], dimensions [H, W]). Saving writes that chain, so a model loaded
/// with <c>mlContext.Model.Load</c> is ML.NET's own transforms and needs nothing from this package.
/// </summary>
public sealed class GeoChangeDetectionTransformer : ITransformer, ICanSaveModel, IDisposable
{
    private readonly byte[] onnx;
    private bool disposed;

    internal GeoChangeDetectionTransformer(TransformerChain<ITransformer> stockChain, string outputColumnName, int imageSize, byte[] detectorOnnx)
    {
        StockChain = stockChain; OutputColumnName = outputColumnName; ImageSize = imageSize; onnx = detectorOnnx;
    }

    /// <summary>ML.NET's stock transforms that compute the change probability; what Model.Save writes.</summary>
    public TransformerChain<ITransformer> StockChain { get; }

    /// <summary>The added column: change probability per pixel, row-major, dimensions [ImageSize, ImageSize].</summary>
    public string OutputColumnName { get; }

    /// <summary>Side in pixels of the tiles it takes and the maps it gives.</summary>
    public int ImageSize { get; }

    /// <summary>The detector as ONNX (inputs "image1", "image2" [N,3,S,S] RGB 0..255; output "probabilities" [N,2,S,S]).</summary>
    public byte[] DetectorOnnx => (byte[])onnx.Clone();

    public bool IsRowToRowMapper => ((ITransformer)StockChain).IsRowToRowMapper;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => StockChain.GetOutputSchema(inputSchema);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)StockChain).GetRowToRowMapper(inputSchema);

    public IDataView Transform(IDataView input)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return StockChain.Transform(input);
    }

    /// <summary>Writes <see cref="StockChain"/>: the saved model is ML.NET's own transforms with the ONNX bytes embedded.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)StockChain).Save(ctx);

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        StockChain.Dispose();
    }
}
