using GeoSSL.Data.Images;
using GeoSSL.MLNet.Featurizer;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet;

/// <summary>
/// A featurizer from an already-trained encoder (ONNX bytes): the same stock-transform chain that
/// <see cref="GeoContrastivePretrainEstimator"/> returns, without training.
/// </summary>
public sealed class GeoImageFeaturizerEstimator : IEstimator<GeoImageFeaturizer>
{
    private readonly TransformsCatalog catalog;
    private readonly byte[] onnx;
    private readonly string outputColumnName;
    private readonly string imageColumnName;
    private readonly string? imageFolder;
    private readonly int batchSize;
    private readonly int? threads;
    private readonly (int Channels, int Height, int Width, int OutputDimension) shapes;

    public GeoImageFeaturizerEstimator(MLContext mlContext, byte[] onnxModel, string outputColumnName = "Features", string imageColumnName = "ImagePath", string? imageFolder = null, int batchSize = 64,
        int? threads = null)
        : this(mlContext.Transforms, onnxModel, outputColumnName, imageColumnName, imageFolder, batchSize, threads) { }

    internal GeoImageFeaturizerEstimator(TransformsCatalog catalog, byte[] onnxModel, string outputColumnName, string imageColumnName, string? imageFolder, int batchSize,
        int? threads = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The featurization batch size must be at least 1.");
        GeoSSL.Core.Devices.CpuThreads.Validate(threads, nameof(threads));
        this.batchSize = batchSize;
        this.threads = threads;
        this.catalog = catalog;
        onnx = onnxModel;
        this.outputColumnName = outputColumnName;
        this.imageColumnName = imageColumnName;
        this.imageFolder = imageFolder;
        shapes = OnnxModelIo.ReadShapes(onnxModel, "encoder");
    }

    /// <summary>Image and path columns give RGB; a tensor column must hold exactly the [C, H, W] the encoder takes.</summary>
    private void RequireInput(DataViewSchema schema, ImageColumnKind kind)
    {
        if (kind != ImageColumnKind.Tensor)
        {
            if (shapes.Channels != ImageDecoder.Channels)
                throw new ArgumentException($"The encoder takes {shapes.Channels} channels; column '{imageColumnName}' holds RGB images ({ImageDecoder.Channels}). " +
                    "Give multispectral input as a float vector column [C, H, W] (e.g. mlContext.Data.LoadGeoTiffs).", "imageColumnName");
            return;
        }
        var (c, h, w) = InputColumns.TensorShape(schema, imageColumnName, "imageColumnName", shapes.Channels);
        if ((c, h, w) != (shapes.Channels, shapes.Height, shapes.Width))
            throw new ArgumentException($"Column '{imageColumnName}' holds [{c}, {h}, {w}] samples; the encoder takes [{shapes.Channels}, {shapes.Height}, {shapes.Width}]" +
                (c == shapes.Channels ? " (read the rasters at the encoder's size, or export the encoder at the rasters' size with imageSize)." : "."), "imageColumnName");
    }

    /// <summary>Width of the feature vector.</summary>
    public int FeatureDimension => shapes.OutputDimension;

    public GeoImageFeaturizer Fit(IDataView input)
    {
        var kind = InputColumns.ImageKind(input.Schema, imageColumnName, "imageColumnName");
        RequireInput(input.Schema, kind);
        return GeoFeaturizerBuilder.Fit(catalog, Spec(kind), onnx, input, batchSize, threads);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var col = inputSchema.FirstOrDefault(c => c.Name == imageColumnName);
        if (col.Name is null) throw new ArgumentException($"Column '{imageColumnName}' (imageColumnName) is not in the input schema.", "imageColumnName");
        return Build(InputColumns.ImageKind(col)).GetOutputSchema(inputSchema);
    }

    private IEstimator<ITransformer> Build(ImageColumnKind kind) => GeoFeaturizerBuilder.CreateEstimator(catalog, Spec(kind), onnx);

    private FeaturizerSpec Spec(ImageColumnKind kind) => new(imageColumnName, kind, imageFolder, shapes.Height, shapes.Width, outputColumnName);
}
