using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet;

/// <summary>
/// What the trained classifier and change detector are: a thin view over <see cref="StockChain"/>, a chain of ML.NET's own
/// transforms (image or tensor input, ApplyOnnxModel with the exported model, column clean-up). Every call is delegated to
/// that chain and saving writes it, so a model loaded with <c>mlContext.Model.Load</c> is that stock chain and needs nothing
/// from this package.
/// </summary>
public abstract class StockChainTransformer : ITransformer, ICanSaveModel, IDisposable
{
    private bool disposed;

    private protected StockChainTransformer(TransformerChain<ITransformer> stockChain) => StockChain = stockChain;

    /// <summary>ML.NET's stock transforms that compute the added columns; what Model.Save writes.</summary>
    public TransformerChain<ITransformer> StockChain { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => ((ITransformer)StockChain).IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => StockChain.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)StockChain).GetRowToRowMapper(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return StockChain.Transform(input);
    }

    /// <summary>Writes <see cref="StockChain"/>: the saved model is ML.NET's own transforms with the ONNX bytes embedded.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)StockChain).Save(ctx);

    /// <summary>Disposes the ONNX transforms of the chain.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        StockChain.Dispose();
    }
}
