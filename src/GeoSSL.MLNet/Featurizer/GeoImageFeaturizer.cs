using GeoSSL.Core.Devices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace GeoSSL.MLNet.Featurizer;

/// <summary>
/// The featurizer that pretraining (and <c>GeoFeaturizeImage</c>) returns. Bulk <see cref="Transform"/> runs the
/// encoder on batches of <see cref="BatchSize"/> images in one ONNX Runtime call; single-row use
/// (<c>PredictionEngine</c>, <see cref="GetRowToRowMapper"/>) and <c>mlContext.Model.Save</c> go through
/// <see cref="StockChain"/>, a chain of ML.NET's own transforms (LoadImages, ResizeImages, ExtractPixels,
/// ApplyOnnxModel, DropColumns) that computes the same features row by row. Saving writes that chain, so a model
/// loaded with <c>mlContext.Model.Load</c> needs nothing from this package and gives the same features.
/// <para>
/// A missing or unreadable image: <see cref="Transform"/> throws a <c>GeoDataException</c> naming the row, the column
/// and the file. The stock chain (and a model saved from it) fails inside ML.NET's LoadImages instead: a
/// PredictionEngine gets LoadImages' own exception (FileNotFoundException with the path for a missing file,
/// "Invalid input stream contents" for one that is empty or not an image), while a transformed view's cursor may decode
/// on ML.NET's worker threads and report "Splitter/consolidator worker encountered exception", the file's error being
/// its InnerException. Neither path rejects a truncated file: SkiaSharp fills in its missing rows (pretraining does reject it).
/// </para>
/// </summary>
public sealed class GeoImageFeaturizer : ITransformer, ICanSaveModel, IDisposable
{
    private readonly Lazy<InferenceSession> session;
    private bool disposed;

    internal GeoImageFeaturizer(TransformerChain<ITransformer> stockChain, ITransformer preprocess, FeaturizerSpec spec, string pixelsColumnName,
        byte[] onnxModel, int featureDimension, int batchSize, int? threads = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The featurization batch size must be at least 1.");
        StockChain = stockChain;
        Preprocess = preprocess;
        Spec = spec;
        PixelsColumnName = pixelsColumnName;
        OutputColumnName = spec.OutputColumnName;
        FeatureDimension = featureDimension;
        BatchSize = batchSize;
        EncoderOnnx = onnxModel;
        Threads = threads;
        session = new Lazy<InferenceSession>(() => CreateSession(onnxModel, threads), isThreadSafe: true);
    }

    private static InferenceSession CreateSession(byte[] model, int? threads)
    {
        // ONNX Runtime's default counts physical cores, which on a 2-vCPU machine is one thread; ML.NET's own
        // ApplyOnnxModel ends up using every logical processor, and so do we (96 vs 51 img/s, ResNet-18 at 224 px),
        // unless the Threads option caps it. Its workers spin between calls: alone that is worth 6% (ResNet-18 at 64 px,
        // batch 64: 708 vs 664 img/s), beside another job it is stolen time. A caller who sets Threads says the machine is
        // shared, so spinning is then off.
        using var options = new SessionOptions { IntraOpNumThreads = CpuThreads.Resolve(threads) };
        if (threads is not null) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new InferenceSession(model, options);
    }

    /// <summary>
    /// What the encoder takes (bands, sample scale, normalisation, size), as stored in the ONNX metadata by GeoSSL exports;
    /// null for an ONNX file from elsewhere.
    /// </summary>
    internal GeoSSL.Data.Input.ImageInputSpec? Input => input.Value;

    // Parsing the model's protobuf (tens of MB for a ResNet) once, not at every read of Input.
    private Lazy<GeoSSL.Data.Input.ImageInputSpec?> input => inputSpec ??= new(() => OnnxModelIo.ReadInputSpec(EncoderOnnx, "featurizer"));
    private Lazy<GeoSSL.Data.Input.ImageInputSpec?>? inputSpec;

    /// <summary>ONNX Runtime threads of the batched <see cref="Transform"/>; null = one per core (given: its workers also stop spinning between calls).</summary>
    public int? Threads { get; }

    /// <summary>ML.NET's stock transforms computing the same column one row at a time; what Model.Save writes.</summary>
    public TransformerChain<ITransformer> StockChain { get; }

    /// <summary>Images per ONNX Runtime call in <see cref="Transform"/>.</summary>
    public int BatchSize { get; }

    /// <summary>The column of features this adds.</summary>
    public string OutputColumnName { get; }

    /// <summary>Width of the feature vector.</summary>
    public int FeatureDimension { get; }

    /// <summary>The encoder as ONNX (input: [N,3,H,W] RGB 0..255; output: [N,D]).</summary>
    public byte[] EncoderOnnx { get; }

    internal ITransformer Preprocess { get; }
    internal FeaturizerSpec Spec { get; }
    internal string PixelsColumnName { get; }
    internal InferenceSession Session => disposed ? throw new ObjectDisposedException(nameof(GeoImageFeaturizer)) : session.Value;

    /// <inheritdoc />
    public bool IsRowToRowMapper => ((ITransformer)StockChain).IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => StockChain.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)StockChain).GetRowToRowMapper(inputSchema);

    /// <summary>Lazily adds the feature column; the encoder runs once per <see cref="BatchSize"/> rows as a cursor advances.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedFeatureDataView(this, input);
    }

    /// <summary>Writes <see cref="StockChain"/>: the saved model is ML.NET's own transforms with the ONNX bytes embedded.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)StockChain).Save(ctx);

    /// <summary>Releases the ONNX Runtime session of the batched path.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (session.IsValueCreated) session.Value.Dispose();
        (StockChain as IDisposable)?.Dispose();
    }
}
