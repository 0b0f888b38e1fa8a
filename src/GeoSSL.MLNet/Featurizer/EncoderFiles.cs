using GeoSSL.Core.Export;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;

namespace GeoSSL.MLNet.Featurizer;

/// <summary>Turns a saved encoder (an exported .onnx, or a training checkpoint) into ONNX bytes for the featurizer.</summary>
internal static class EncoderFiles
{
    /// <param name="outputProjection">For checkpoints: output the projection head instead of pooled features.</param>
    /// <param name="imageSize">Input side to featurize at; null keeps the file's (the pretraining crop size for checkpoints).</param>
    /// <param name="pooledLayers">For checkpoints: stages whose pooled outputs are concatenated (null = [4]); see <see cref="OnnxExportOptions.PooledLayers"/>.</param>
    /// <param name="poolStandardDeviation">For checkpoints: see <see cref="OnnxExportOptions.PoolStandardDeviation"/>.</param>
    /// <param name="testTimeAugmentation">For checkpoints: see <see cref="OnnxExportOptions.TestTimeAugmentation"/>.</param>
    public static byte[] LoadAsOnnx(string path, bool outputProjection = false, int? imageSize = null, int[]? pooledLayers = null,
        bool poolStandardDeviation = false, Core.Export.TestTimeAugmentation testTimeAugmentation = Core.Export.TestTimeAugmentation.None)
    {
        if (imageSize is < 8) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "imageSize must be at least 8 pixels (or null for the file's own).");
        if (!File.Exists(path)) throw new FileNotFoundException($"Encoder file '{path}' does not exist.", path);
        if (Checkpoint.IsCheckpoint(path))
        {
            using var trainer = Pretrainer.FromCheckpoint(path, "cpu");
            trainer.LoadWeights(path);
            var input = trainer.Config.Input;
            return OnnxEncoderExporter.Export(trainer.Encoder, new OnnxExportOptions
            {
                Input = imageSize is { } side ? input.WithSize(side, side) : input,
                Head = outputProjection ? trainer.Model.QueryHead : null, PooledLayers = pooledLayers ?? [4],
                PoolStandardDeviation = poolStandardDeviation, TestTimeAugmentation = testTimeAugmentation,
            });
        }
        if (poolStandardDeviation || testTimeAugmentation != Core.Export.TestTimeAugmentation.None)
            throw new ArgumentException($"'{path}' is an ONNX file; poolStandardDeviation and testTimeAugmentation only apply to checkpoints (the ONNX file already fixes its output).", nameof(path));
        if (pooledLayers is not null)
            throw new ArgumentException($"'{path}' is an ONNX file; pooledLayers only applies to checkpoints (the ONNX file already fixes its output).", nameof(pooledLayers));
        if (outputProjection)
            throw new ArgumentException($"'{path}' is an ONNX file; outputProjection only applies to checkpoints (the ONNX file already fixes its output).", nameof(outputProjection));
        var bytes = File.ReadAllBytes(path);
        try { OnnxModelIo.ReadShapes(bytes, path); }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"'{path}' is neither a GeoSSL checkpoint nor a readable ONNX model (truncated, or another kind of file).", e);
        }
        OnnxModelIo.RequireFiniteWeights(bytes, path);
        return imageSize is { } size ? OnnxModelIo.WithInputSize(bytes, size, path) : bytes;
    }

    /// <summary>ML.NET's DnnImageModels folder beside the application (where Microsoft.ML.DnnImageFeaturizer.ResNet18 puts it).</summary>
    public static string DefaultImageNetFolder => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    /// <summary>
    /// ML.NET's ImageNet ResNet18 as a GeoSSL encoder: its weights imported (the CNTK model takes BGR, so conv1's channels
    /// are flipped), its per-pixel mean image subtracted from 0..255 pixels as it was trained, the pooled outputs of
    /// <paramref name="pooledLayers"/> concatenated, at <paramref name="imageSize"/>. With [4] it reproduces DnnFeaturizeImage.
    /// </summary>
    public static byte[] ImageNetAsOnnx(string modelsFolder, int imageSize, int[] pooledLayers, bool poolStandardDeviation = false,
        Core.Export.TestTimeAugmentation testTimeAugmentation = Core.Export.TestTimeAugmentation.None)
    {
        string weights = Path.Combine(modelsFolder, "ResNet18Onnx", "ResNet18.onnx"), preprocess = Path.Combine(modelsFolder, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        foreach (var file in new[] { weights, preprocess })
            if (!File.Exists(file))
                throw new FileNotFoundException($"'{file}' does not exist: reference the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (it copies DnnImageModels/ " +
                    "beside the application) or give the folder that holds its ResNet18Onnx and ResNetPrepOnnx.", file);
        using var network = new ResNetEncoder(OnnxResNetImporter.ReadLayout(weights));
        OnnxResNetImporter.LoadInto(network, weights, reverseInputChannels: true);
        network.eval();
        return OnnxEncoderExporter.Export(network, new OnnxExportOptions
        {
            InputHeight = imageSize, InputWidth = imageSize, InputScale = 1f / 255f, Std = [1f / 255f],
            MeanImage = MlNetResNetPreprocessing.ReadMeanImage(preprocess), PooledLayers = pooledLayers,
            PoolStandardDeviation = poolStandardDeviation, TestTimeAugmentation = testTimeAugmentation,
        });
    }
}
