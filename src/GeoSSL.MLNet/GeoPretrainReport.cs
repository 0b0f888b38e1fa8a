using TrainingResult = GeoSSL.Core.Engine.TrainingResult;

namespace GeoSSL.MLNet;

/// <summary>What the last <see cref="GeoContrastivePretrainEstimator.Fit"/> did, and the trained encoder as ONNX.</summary>
public sealed class GeoPretrainReport
{
    private readonly byte[] onnx;

    internal GeoPretrainReport(TrainingResult result, int images, int locations, int geoClusters, int featureDimension, byte[] onnx, string? checkpointPath,
        IReadOnlyList<Data.Images.SkippedImage>? skippedImages = null, IReadOnlyList<string>? warnings = null)
    {
        Result = result; Images = images; Locations = locations; GeoClusters = geoClusters;
        FeatureDimension = featureDimension; this.onnx = onnx; CheckpointPath = checkpointPath;
        SkippedImages = GeoSSL.MLNet.SkippedImage.From(skippedImages ?? []);
        Epochs = TrainingEpoch.From(result.Epochs);
        Warnings = warnings ?? [];
    }

    internal TrainingResult Result { get; }
    /// <summary>Per-epoch means of "loss", "contrastive" and "geo", with the monitor's "embedding_std"/"knn_top1" as validation metrics where it ran.</summary>
    public IReadOnlyList<TrainingEpoch> Epochs { get; }
    /// <summary>Images trained on (rows of the input less <see cref="SkippedImages"/>).</summary>
    public int Images { get; }
    /// <summary>Distinct locations (LocationId values).</summary>
    public int Locations { get; }
    /// <summary>Geo clusters used (0 when the variant has no geo pretext).</summary>
    public int GeoClusters { get; }
    /// <summary>The geo loss of a head that learned nothing, ln(<see cref="GeoClusters"/>): compare the epochs' "geo" with it. 0 without geo clusters.</summary>
    public double GeoChance => GeoClusters > 1 ? Math.Log(GeoClusters) : 0;
    /// <summary>Floats per image in the featurizer's output.</summary>
    public int FeatureDimension { get; }
    /// <summary>The training checkpoint written, if CheckpointPath was set.</summary>
    public string? CheckpointPath { get; }
    /// <summary>Rows left out because their image could not be read (with <see cref="BadImagePolicy.Skip"/>; empty otherwise).</summary>
    public IReadOnlyList<GeoSSL.MLNet.SkippedImage> SkippedImages { get; }
    /// <summary>Things that did not stop the run but may make it less useful than intended (also written to the MLContext log).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The encoder as ONNX: input "input" [N,3,S,S] RGB 0..255 planar, output "features" [N,D].</summary>
    public byte[] EncoderOnnx => (byte[])onnx.Clone();

    /// <summary>Writes <see cref="EncoderOnnx"/> to a file (atomically).</summary>
    public void SaveEncoderAsOnnx(string path)
    {
        GeoSSL.Data.Files.AtomicFile.WriteAllBytes(path, onnx);
    }
}
