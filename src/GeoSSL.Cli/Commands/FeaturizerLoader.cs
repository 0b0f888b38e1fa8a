using GeoSSL.Core.Training;
using Microsoft.ML;

namespace GeoSSL.Cli.Commands;

/// <summary>
/// A featurizer from any model file the tool writes or reads: a saved ML.NET featurizer (featurizer.zip, from pretrain), an
/// ONNX encoder, or a GeoSSL checkpoint (pretrain's checkpoint.ckpt, import's encoder.ckpt). Images come as absolute paths in
/// the ImagePath column; features leave in "Features".
/// </summary>
internal static class FeaturizerLoader
{
    public static ITransformer Load(MLContext ml, string modelPath, IDataView images, int? imageSize)
    {
        if (modelPath.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            if (imageSize is not null) throw new CliUsageException("--image-size applies to .onnx and checkpoint models; a saved featurizer.zip has its size built in.");
            try { return ml.Model.Load(modelPath, out _); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException)
            {
                throw new CliUsageException($"--model: '{modelPath}' is not a saved ML.NET model ({e.Message.Split('\n')[0]}).");
            }
        }
        if (!modelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !Checkpoint.IsCheckpoint(modelPath))
            throw new CliUsageException($"--model: '{modelPath}' is neither a featurizer.zip, an .onnx encoder nor a GeoSSL pretraining checkpoint.");
        return ml.Transforms.GeoFeaturizeImage(modelPath, imageSize: imageSize).Fit(images);
    }
}
