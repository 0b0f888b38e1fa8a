using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Classification;

/// <summary>
/// The trained classifier that <see cref="GeoImageClassifierEstimator.Fit"/> returns: a thin view over
/// <see cref="StockChain"/>, a chain of ML.NET's own transforms (LoadImages, ResizeImages, ExtractPixels, or CopyColumns for a tensor column; ApplyOnnxModel,
/// Hash, MapValue, MapValueToKey, DropColumns) that adds <c>Score</c> (class probabilities, slot names = class names) and
/// <c>PredictedLabel</c> (a key with the label's values). Every call is delegated to that chain, and saving writes it, so
/// a model loaded with <c>mlContext.Model.Load</c> is that stock chain and needs nothing from this package.
/// </summary>
public sealed class GeoImageClassificationTransformer : ITransformer, ICanSaveModel, IDisposable
{
    private bool disposed;

    internal GeoImageClassificationTransformer(TransformerChain<ITransformer> stockChain, IReadOnlyList<string> classNames, int imageSize, byte[] classifierOnnx)
    {
        StockChain = stockChain;
        ClassNames = classNames;
        ImageSize = imageSize;
        ClassifierOnnx = classifierOnnx;
    }

    /// <summary>ML.NET's stock transforms that compute Score and PredictedLabel; what Model.Save writes.</summary>
    public TransformerChain<ITransformer> StockChain { get; }

    /// <summary>Class names (the label's key values as text) in key order = the order of the Score slots.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Side in pixels that images are resized to.</summary>
    public int ImageSize { get; }

    /// <summary>The classifier as ONNX (input "input" planar raw samples [N,C,S,S], RGB 0..255 for images; outputs "probabilities", "label_index").</summary>
    public byte[] ClassifierOnnx { get; }

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
