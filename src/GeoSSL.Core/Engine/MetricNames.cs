namespace GeoSSL.Core.Engine;

/// <summary>Names of the metrics the built-in tasks report, so progress readers do not spell them by hand.</summary>
internal static class MetricNames
{
    /// <summary>The loss minimised (every task).</summary>
    public const string Loss = "loss";
    /// <summary>Classification accuracy (fine-tuning: training batches and validation).</summary>
    public const string Accuracy = "accuracy";
    /// <summary>Pretraining: the InfoNCE term (0 for geo-only).</summary>
    public const string Contrastive = "contrastive";
    /// <summary>Pretraining: the geo-cluster cross-entropy (0 without the geo pretext).</summary>
    public const string Geo = "geo";
    /// <summary>Pretraining monitor: leave-one-out kNN top-1 on its labelled images.</summary>
    public const string KnnTop1 = "knn_top1";
    /// <summary>Pretraining monitor: per-dimension std of normalised embeddings times sqrt(d) (≈1 spread out, ≈0 collapsed).</summary>
    public const string EmbeddingStd = "embedding_std";

    /// <summary>How a metric reads in log lines: the monitor's figures keep the words users know from the papers' tables.</summary>
    public static string Label(string name) => name switch
    {
        KnnTop1 => "kNN top-1",
        EmbeddingStd => "embedding std",
        _ => name,
    };
}
