using GeoSSL.Core.Training;
using GeoSSL.MLNet.Featurizer;
using GeoSSL.MLNet.Options;
using GeoSSL.MLNet;

// In ML.NET's namespace, like ML.NET's own catalog extensions, so `mlContext.Transforms.` finds them without a using.
namespace Microsoft.ML;

/// <summary>Entry points on <c>mlContext.Transforms</c>.</summary>
public static class GeoSslCatalog
{
    /// <summary>
    /// Geography-aware self-supervised pretraining (GASSL) of an image encoder; Fit trains it and returns a featurizer
    /// that adds <paramref name="outputColumnName"/> (pooled encoder features). Other settings keep the paper's defaults;
    /// use the <see cref="GeoContrastivePretrainOptions"/> overload for all of them.
    /// </summary>
    /// <param name="imageColumnName">Image paths (relative to <paramref name="imageFolder"/>) or images from LoadImages.</param>
    /// <param name="locationColumnName">Groups the images of one place over time (temporal positives).</param>
    public static GeoContrastivePretrainEstimator GeoContrastivePretrain(this TransformsCatalog catalog,
        string outputColumnName = "Features", string imageColumnName = "ImagePath", string latitudeColumnName = "Latitude",
        string longitudeColumnName = "Longitude", string locationColumnName = "LocationId", string? imageFolder = null,
        PretrainVariant variant = PretrainVariant.MoCoV2GeoTemporalPositives, int epochs = 200, int batchSize = 256, int imageSize = 224)
        => catalog.GeoContrastivePretrain(new GeoContrastivePretrainOptions
        {
            OutputColumnName = outputColumnName, ImageColumnName = imageColumnName, LatitudeColumnName = latitudeColumnName,
            LongitudeColumnName = longitudeColumnName, LocationColumnName = locationColumnName, ImageFolder = imageFolder,
            Variant = variant, Epochs = epochs, BatchSize = batchSize, ImageSize = imageSize,
        });

    /// <summary>Geography-aware self-supervised pretraining with every setting exposed.</summary>
    public static GeoContrastivePretrainEstimator GeoContrastivePretrain(this TransformsCatalog catalog, GeoContrastivePretrainOptions options)
        => new(catalog, options);

    /// <summary>
    /// A featurizer from a saved encoder, without training: an .onnx written by <c>SaveEncoderAsOnnx</c>/<c>OnnxExportPath</c>
    /// (or any encoder taking [N,3,H,W] RGB 0..255 and returning [N,D]), or a training checkpoint.
    /// </summary>
    /// <param name="batchSize">Images per encoder call when transforming many rows.</param>
    /// <param name="threads">ONNX Runtime threads for those calls; null = one per core. Set it when several jobs share the machine.</param>
    /// <param name="imageSize">
    /// Side in pixels images are resized to; null keeps the encoder's own (its export size, or its pretraining crop size).
    /// Pooled ResNet features work at any size: e.g. ImageNet-initialised weights see objects at ImageNet scale at 224.
    /// </param>
    /// <param name="pooledLayers">
    /// For checkpoints: residual stages whose pooled outputs are concatenated; null = [4], the usual features; [3, 4] adds
    /// layer3's channels (768 floats for a ResNet-18).
    /// </param>
    public static GeoImageFeaturizerEstimator GeoFeaturizeImage(this TransformsCatalog catalog, string encoderPath,
        string outputColumnName = "Features", string imageColumnName = "ImagePath", string? imageFolder = null, bool outputProjection = false,
        int batchSize = 64, int? imageSize = null, int[]? pooledLayers = null, int? threads = null)
        => new(catalog, EncoderFiles.LoadAsOnnx(encoderPath, outputProjection, imageSize, pooledLayers), outputColumnName, imageColumnName, imageFolder, batchSize, threads);

}
