using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Classification;

/// <summary>
/// The trained classifier that <see cref="GeoImageClassifierTrainer.Fit"/> returns: a thin view over
/// <see cref="StockChainTransformer.StockChain"/>, a chain of ML.NET's own transforms (LoadImages, ResizeImages, ExtractPixels, or CopyColumns for a tensor column; ApplyOnnxModel,
/// Hash, MapValue, MapValueToKey, DropColumns) that adds <c>Score</c> (class probabilities, slot names = class names) and
/// <c>PredictedLabel</c> (a key with the label's values). Every call is delegated to that chain, and saving writes it, so
/// a model loaded with <c>mlContext.Model.Load</c> is that stock chain and needs nothing from this package.
/// </summary>
public sealed class GeoImageClassificationTransformer : StockChainTransformer
{
    internal GeoImageClassificationTransformer(TransformerChain<ITransformer> stockChain, IReadOnlyList<string> classNames, int imageSize, byte[] classifierOnnx)
        : base(stockChain)
    {
        ClassNames = classNames;
        ImageSize = imageSize;
        ClassifierOnnx = classifierOnnx;
    }

    /// <summary>Class names (the label's key values as text) in key order = the order of the Score slots.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Side in pixels that images are resized to.</summary>
    public int ImageSize { get; }

    /// <summary>The classifier as ONNX (input "input" planar raw samples [N,C,S,S], RGB 0..255 for images; outputs "probabilities", "label_index").</summary>
    public byte[] ClassifierOnnx { get; }
}
