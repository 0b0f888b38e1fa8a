using GeoSSL.MLNet.Classification;

// In ML.NET's namespace, like ML.NET's own catalog extensions, so `mlContext.MulticlassClassification.Trainers.` finds them without a using.
namespace Microsoft.ML;

/// <summary>Entry points on <c>mlContext.MulticlassClassification.Trainers</c>.</summary>
public static class GeoSslClassificationCatalog
{
    /// <summary>
    /// Fine-tunes a ResNet image classifier end to end on the rows (random initialisation, or the encoder of a GeoSSL
    /// pretraining checkpoint) and returns it as stock ML.NET transforms that add <c>Score</c> (class probabilities) and
    /// <c>PredictedLabel</c> (a key with the label's values). The label must be a key column: use
    /// <c>mlContext.Transforms.Conversion.MapValueToKey(labelColumnName)</c> first. Use the
    /// <see cref="GeoImageClassifierTrainer.Options"/> overload for validation, early stopping, frozen backbone and the rest.
    /// </summary>
    /// <param name="imageColumnName">Image paths (relative to <paramref name="imageFolder"/>) or images from LoadImages.</param>
    /// <param name="initialEncoderPath">Pretraining checkpoint (.ckpt) to start the backbone from; null for random weights (ResNet-18).</param>
    /// <param name="imageSize">Side in pixels images are resized to.</param>
    public static GeoImageClassifierTrainer GeoImageClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string imageColumnName = "ImagePath", string? imageFolder = null, string? initialEncoderPath = null,
        int epochs = 20, int batchSize = 64, int imageSize = 64)
        => catalog.GeoImageClassifier(new GeoImageClassifierTrainer.Options
        {
            LabelColumnName = labelColumnName, ImageColumnName = imageColumnName, ImageFolder = imageFolder, InitialEncoderPath = initialEncoderPath,
            Epochs = epochs, BatchSize = batchSize, ImageSize = imageSize,
        });

    /// <summary>End-to-end fine-tuning of an image classifier with every setting exposed.</summary>
    public static GeoImageClassifierTrainer GeoImageClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        GeoImageClassifierTrainer.Options options)
        => new(GeoSSL.MLNet.Hosting.MLContextEnvironment.Of(catalog).Transforms(), options);
}
