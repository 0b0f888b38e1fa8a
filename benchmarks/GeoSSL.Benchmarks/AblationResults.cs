using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GeoSSL.Benchmarks;

/// <summary>One pretraining epoch as recorded for the report.</summary>
public sealed record EpochRecord(int Epoch, double Loss, double ContrastiveLoss, double GeoLoss, double? KnnMonitor, double? EmbeddingStd, double ImagesPerSecond);

/// <summary>One row of the ablation table.</summary>
public sealed record AblationRow
{
    public required string Method { get; init; }
    public required string Backbone { get; init; }
    public double LinearTop1 { get; init; }
    public double LinearMacroF1 { get; init; }
    public double LinearMacroAccuracy { get; init; }
    public double? KnnTop1 { get; init; }
    public double PretrainSeconds { get; init; }
    public double FeaturizeImagesPerSecond { get; init; }
    public int GeoClusters { get; init; }
    public List<EpochRecord> Epochs { get; init; } = new();
    public string? PerClassMarkdown { get; init; }
    public string? Note { get; init; }
}

/// <summary>Everything the benchmark measured, and its Markdown and JSON forms.</summary>
public sealed class AblationResults
{
    public required Dictionary<string, string> Settings { get; init; }
    public List<AblationRow> Rows { get; init; } = new();
    public double WallSeconds { get; set; }

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| method | backbone | F1 | accuracy | kNN top-1 | training | featurize |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Method} | {r.Backbone} | {r.LinearMacroF1 * 100:F1} | {r.LinearTop1 * 100:F1} | {(r.KnnTop1 is { } k ? (k * 100).ToString("F1", CultureInfo.InvariantCulture) : "-")} | {(r.PretrainSeconds > 0 ? $"{r.PretrainSeconds / 60:F1} min" : "-")} | {(r.FeaturizeImagesPerSecond > 0 ? $"{r.FeaturizeImagesPerSecond:F0} img/s" : "-")} |");
        return sb.ToString();
    }

    public static AblationResults FromJson(string json) => JsonSerializer.Deserialize<AblationResults>(json, new JsonSerializerOptions
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    }) ?? throw new InvalidDataException("Empty results file.");

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions
    {
        WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    });
}
