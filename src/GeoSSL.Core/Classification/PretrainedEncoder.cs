using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Data.Input;

namespace GeoSSL.Core.Classification;

/// <summary>What a pretraining checkpoint says about its query encoder.</summary>
/// <param name="Encoder">Shape of the encoder.</param>
/// <param name="Input">What it was pretrained on: bands, sample scale, normalisation, and the crop size as its size.</param>
internal sealed record PretrainedEncoderInfo(ResNetOptions Encoder, ImageInputSpec Input);

/// <summary>Reads the query encoder of a pretraining checkpoint (<c>.ckpt</c> written by <see cref="Pretrainer"/>).</summary>
internal static class PretrainedEncoder
{
    /// <summary>The encoder's shape and normalisation, without loading weights.</summary>
    public static PretrainedEncoderInfo Read(string checkpointPath)
    {
        var config = Checkpoint.ReadConfig(checkpointPath);
        // The classifier normalises per channel: a per-pixel mean image is reduced to its channel averages.
        var input = config.Input.MeanImage is { } image ? config.Input with { Mean = image.ChannelMeans(), MeanImage = null } : config.Input;
        return new PretrainedEncoderInfo(config.Model.Encoder, input);
    }

    /// <summary>
    /// Copies the checkpoint's query encoder (weights and BatchNorm statistics) into <paramref name="classifier"/>'s backbone,
    /// through the one encoder-from-file loader (<see cref="Import.InitialWeights"/>).
    /// </summary>
    public static void LoadInto(string checkpointPath, ResNetClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        Import.InitialWeights.LoadInto(classifier.Encoder, checkpointPath);
    }
}
