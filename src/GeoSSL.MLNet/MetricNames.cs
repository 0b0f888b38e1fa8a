using EngineNames = GeoSSL.Core.Engine.MetricNames;

namespace GeoSSL.MLNet;

/// <summary>Names of the metrics in <see cref="TrainingProgress"/> and <see cref="TrainingEpoch"/>, so readers do not spell them by hand.</summary>
public static class MetricNames
{
    /// <summary>The loss minimised (every trainer).</summary>
    public const string Loss = EngineNames.Loss;
    /// <summary>Classification accuracy (fine-tuning: training batches and validation).</summary>
    public const string Accuracy = EngineNames.Accuracy;
    /// <summary>Pretraining: the InfoNCE term (0 for geo-only).</summary>
    public const string Contrastive = EngineNames.Contrastive;
    /// <summary>Pretraining: the geo-cluster cross-entropy (0 without the geo pretext); chance is ln(clusters).</summary>
    public const string Geo = EngineNames.Geo;
    /// <summary>Pretraining monitor: leave-one-out kNN top-1 on its labelled images.</summary>
    public const string KnnTop1 = EngineNames.KnnTop1;
    /// <summary>Pretraining monitor: per-dimension std of normalised embeddings times sqrt(d) (about 1 spread out, 0 collapsed).</summary>
    public const string EmbeddingStd = EngineNames.EmbeddingStd;
}
