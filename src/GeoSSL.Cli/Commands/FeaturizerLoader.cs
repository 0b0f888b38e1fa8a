using GeoSSL.Core.Training;
using GeoSSL.MLNet;
using Microsoft.ML;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// A featurizer from any model file the tool writes or reads: a saved ML.NET featurizer (featurizer.zip, from pretrain), an
/// ONNX encoder, a GeoSSL checkpoint (pretrain's checkpoint.ckpt, import's encoder.ckpt), or "imagenet": ML.NET's ImageNet
/// ResNet-18 shipped with the tool, with the library's FromImageNet() featurizer (the strongest frozen features measured).
/// Images come as absolute paths in the ImagePath column; features leave in "Features".
/// </summary>
internal static class FeaturizerLoader
{
    /// <summary>The --model value that selects the ImageNet preset instead of a file.</summary>
    public const string ImageNet = "imagenet";

    public const string ModelDescription = "featurizer.zip, encoder.onnx, a GeoSSL checkpoint, or 'imagenet' (ML.NET's ImageNet ResNet-18 with the " +
        "best pooled features measured: layer1-4 means and stds over 4 mirrored/rotated views).";

    /// <summary>The --model value checked: "imagenet", or an existing file.</summary>
    public static string Resolve(string? value) =>
        string.Equals(value, ImageNet, StringComparison.OrdinalIgnoreCase) ? ImageNet : Inputs.ExistingFile(value, "--model");

    public static ITransformer Load(MLContext ml, string modelPath, IDataView images, int? imageSize, TestTimeAugmentation? views = null)
    {
        if (modelPath == ImageNet)
        {
            ImageNetWeights.Require();
            var preset = GeoImageFeaturizerEstimator.Options.FromImageNet();
            preset.ImageSize = imageSize ?? preset.ImageSize;
            preset.TestTimeAugmentation = views ?? preset.TestTimeAugmentation;
            return ml.Transforms.GeoFeaturizeImage(preset).Fit(images);
        }
        if (modelPath.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            if (imageSize is not null) throw new CliUsageException("--image-size applies to .onnx and checkpoint models; a saved featurizer.zip has its size built in.");
            if (views is not null) throw new CliUsageException("--views applies to checkpoints and imagenet; a saved featurizer.zip has its views built in.");
            try { return ml.Model.Load(modelPath, out _); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException)
            {
                throw new CliUsageException($"--model: '{modelPath}' is not a saved ML.NET model ({e.Message.Split('\n')[0]}).");
            }
        }
        bool checkpoint = Checkpoint.IsCheckpoint(modelPath);
        if (!modelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !checkpoint)
            throw new CliUsageException($"--model: '{modelPath}' is neither a featurizer.zip, an .onnx encoder nor a GeoSSL pretraining checkpoint.");
        if (views is not null && !checkpoint) throw new CliUsageException("--views applies to checkpoints and imagenet; an .onnx encoder has its views built in.");
        return ml.Transforms.GeoFeaturizeImage(new GeoImageFeaturizerEstimator.Options
        {
            EncoderPath = modelPath, ImageSize = imageSize, TestTimeAugmentation = views ?? TestTimeAugmentation.None,
        }).Fit(images);
    }
}
