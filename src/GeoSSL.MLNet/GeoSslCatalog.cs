using GeoSSL.MLNet.Featurizer;
using GeoSSL.MLNet;
using GeoSSL.MLNet.ChangeDetection;

// In ML.NET's namespace, like ML.NET's own catalog extensions, so `mlContext.Transforms.` finds them without a using.
namespace Microsoft.ML;

/// <summary>Entry points on <c>mlContext.Transforms</c>.</summary>
public static class GeoSslCatalog
{
    /// <summary>
    /// Geography-aware self-supervised pretraining (GASSL) of an image encoder; Fit trains it and returns a featurizer
    /// that adds <paramref name="outputColumnName"/> (pooled encoder features). Other settings keep the paper's defaults;
    /// use the <see cref="GeoContrastivePretrainEstimator.Options"/> overload for all of them.
    /// </summary>
    /// <param name="imageColumnName">Image paths (relative to <paramref name="imageFolder"/>) or images from LoadImages.</param>
    /// <param name="locationColumnName">Groups the images of one place over time (temporal positives).</param>
    public static GeoContrastivePretrainEstimator GeoContrastivePretrain(this TransformsCatalog catalog,
        string outputColumnName = "Features", string imageColumnName = "ImagePath", string latitudeColumnName = "Latitude",
        string longitudeColumnName = "Longitude", string locationColumnName = "LocationId", string? imageFolder = null,
        PretrainVariant variant = PretrainVariant.MoCoV2GeoTemporalPositives, int epochs = 200, int batchSize = 256, int imageSize = 224)
        => catalog.GeoContrastivePretrain(new GeoContrastivePretrainEstimator.Options
        {
            OutputColumnName = outputColumnName, ImageColumnName = imageColumnName, LatitudeColumnName = latitudeColumnName,
            LongitudeColumnName = longitudeColumnName, LocationColumnName = locationColumnName, ImageFolder = imageFolder,
            Variant = variant, Epochs = epochs, BatchSize = batchSize, ImageSize = imageSize,
        });

    /// <summary>Geography-aware self-supervised pretraining with every setting exposed.</summary>
    public static GeoContrastivePretrainEstimator GeoContrastivePretrain(this TransformsCatalog catalog, GeoContrastivePretrainEstimator.Options options)
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
        => catalog.GeoFeaturizeImage(new GeoImageFeaturizerEstimator.Options
        {
            EncoderPath = encoderPath, OutputColumnName = outputColumnName, ImageColumnName = imageColumnName, ImageFolder = imageFolder,
            OutputProjection = outputProjection, BatchSize = batchSize, ImageSize = imageSize, PooledLayers = pooledLayers, Threads = threads,
        });

    /// <summary>A featurizer from a saved encoder (file or ONNX bytes) with every setting exposed.</summary>
    public static GeoImageFeaturizerEstimator GeoFeaturizeImage(this TransformsCatalog catalog, GeoImageFeaturizerEstimator.Options options)
        => new(catalog, options);
    /// <summary>
    /// Change detection: Fit trains a siamese U-Net on rows of two co-registered image tiles (dates 1 and 2) and a change
    /// mask, and returns stock ML.NET transforms that add <paramref name="outputColumnName"/>, the change probability per
    /// pixel (float vector [imageSize, imageSize]). Every image and mask must be exactly imageSize x imageSize: cut the
    /// tiles beforehand. Use the <see cref="GeoChangeDetectionEstimator.Options"/> overload for validation, early stopping and the rest.
    /// </summary>
    /// <param name="image1ColumnName">Date 1: image paths (relative to <paramref name="imageFolder"/>), images from LoadImages, or RGB tensors [3, H, W].</param>
    /// <param name="image2ColumnName">Date 2, the same kinds.</param>
    /// <param name="maskColumnName">Mask image paths (0 = no change, non-zero = change) or byte/float vectors of H*W; read by Fit only.</param>
    /// <param name="initialEncoderPath">ImageNet ONNX, torchvision state dict or GeoSSL checkpoint to start the encoder from; null for random weights (ResNet-18).</param>
    public static GeoChangeDetectionEstimator GeoChangeDetection(this TransformsCatalog catalog, string outputColumnName = "ChangeProbability",
        string image1ColumnName = "Image1", string image2ColumnName = "Image2", string maskColumnName = "Mask", string? imageFolder = null,
        int epochs = 20, string? initialEncoderPath = null, int imageSize = 64)
        => catalog.GeoChangeDetection(new GeoChangeDetectionEstimator.Options
        {
            OutputColumnName = outputColumnName, Image1ColumnName = image1ColumnName, Image2ColumnName = image2ColumnName, MaskColumnName = maskColumnName,
            ImageFolder = imageFolder, Epochs = epochs, InitialEncoderPath = initialEncoderPath, ImageSize = imageSize,
        });

    /// <summary>Change detection with every setting exposed.</summary>
    public static GeoChangeDetectionEstimator GeoChangeDetection(this TransformsCatalog catalog, GeoChangeDetectionEstimator.Options options)
        => new(catalog, options);
}
