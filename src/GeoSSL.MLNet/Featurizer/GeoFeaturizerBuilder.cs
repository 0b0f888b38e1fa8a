using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using GeoSSL.MLNet.Reading;

namespace GeoSSL.MLNet.Featurizer;

/// <summary>
/// Builds the featurizer as a chain of stock ML.NET transforms: (LoadImages) → ResizeImages → ExtractPixels
/// (planar RGB, 0..255) → ApplyOnnxModel (normalisation + encoder inside the graph) → DropColumns of the temporaries.
/// Every piece is ML.NET's own, so <c>mlContext.Model.Save/Load</c> work as for any pipeline and embed the ONNX bytes.
/// </summary>
internal static class GeoFeaturizerBuilder
{
    /// <param name="onnxModel">Encoder taking [N, 3, H, W] floats in 0..255 and returning [N, D]; its input/output names are rewritten to the pipeline's.</param>
    public static IEstimator<ITransformer> CreateEstimator(TransformsCatalog transforms, FeaturizerSpec spec, byte[] onnxModel)
    {
        string pixels = PixelsColumn(spec);
        var model = OnnxModelIo.RenameIo(onnxModel, pixels, spec.OutputColumnName);
        return ImagePixelsChain.Create(transforms, spec.ImageColumnName, spec.ImageKind, spec.ImageFolder, spec.ImageHeight, spec.ImageWidth,
                spec.OutputColumnName + ".", asFloats: true, out var temporaries)
            .Append(transforms.ApplyOnnxModel(spec.OutputColumnName, pixels, new MemoryStream(model)))
            .Append(transforms.DropColumns(temporaries.ToArray()));
    }

    /// <summary>
    /// Fits the chain, flattens it into one <see cref="TransformerChain{ITransformer}"/> of stock transformers and wraps it
    /// in a <see cref="GeoImageFeaturizer"/> that scores in batches of <paramref name="batchSize"/>.
    /// </summary>
    /// <param name="threads">ONNX Runtime threads of the batched transform; null = one per core.</param>
    public static GeoImageFeaturizer Fit(TransformsCatalog transforms, FeaturizerSpec spec, byte[] onnxModel, IDataView input, int batchSize, int? threads = null)
    {
        var stock = Flatten(CreateEstimator(transforms, spec, onnxModel).Fit(input)).ToArray();
        // The last two are ApplyOnnxModel and DropColumns; everything before them turns the image column into pixels.
        var preprocess = new TransformerChain<ITransformer>(stock[..^2]);
        int dimension = OnnxModelIo.ReadShapes(onnxModel, "encoder").OutputDimension;
        return new GeoImageFeaturizer(new TransformerChain<ITransformer>(stock), preprocess, spec, PixelsColumn(spec), onnxModel, dimension, batchSize, threads);
    }

    private static string PixelsColumn(FeaturizerSpec spec) => $"{spec.OutputColumnName}.Pixels";

    private static IEnumerable<ITransformer> Flatten(ITransformer t) =>
        t is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : new[] { t };
}
