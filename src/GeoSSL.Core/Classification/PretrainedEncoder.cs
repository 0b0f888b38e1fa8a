using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;

namespace GeoSSL.Core.Classification;

/// <summary>What a pretraining checkpoint says about its query encoder.</summary>
/// <param name="Encoder">Shape of the encoder.</param>
/// <param name="Mean">Per-channel mean the encoder was trained with (inputs scaled to 0..1).</param>
/// <param name="Std">Per-channel std the encoder was trained with.</param>
/// <param name="ImageSize">Side of the crops it was pretrained on.</param>
public sealed record PretrainedEncoderInfo(ResNetOptions Encoder, float[] Mean, float[] Std, int ImageSize);

/// <summary>Reads the query encoder of a pretraining checkpoint (<c>.ckpt</c> written by <see cref="Pretrainer"/>).</summary>
public static class PretrainedEncoder
{
    /// <summary>The encoder's shape and normalisation, without loading weights.</summary>
    public static PretrainedEncoderInfo Read(string checkpointPath)
    {
        var config = Checkpoint.ReadConfig(checkpointPath);
        var aug = config.Augmentation;
        // The classifier normalises per channel: a per-pixel mean image is reduced to its channel averages.
        var mean = aug.MeanImage?.ChannelMeans() ?? aug.Mean.ToArray();
        return new PretrainedEncoderInfo(config.Model.Encoder, mean, aug.Std.ToArray(), aug.OutputSize);
    }

    /// <summary>Copies the checkpoint's query encoder (weights and BatchNorm statistics) into <paramref name="classifier"/>'s backbone.</summary>
    public static void LoadInto(string checkpointPath, ResNetClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var config = Checkpoint.ReadConfig(checkpointPath);
        using var moco = new GeoMoco(config.Model); // on the CPU; copy_ moves the weights to the classifier's device
        Checkpoint.Load(checkpointPath, moco, optimizer: null);
        classifier.LoadEncoderWeights(moco.QueryEncoder);
    }
}
