using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Cli.Commands;

/// <summary>One image of a featurize/probe/finetune input: its absolute path and, for labelled data, its label.</summary>
public sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>
/// The images a verb reads: a CSV manifest (image column and an optional label column, read by ML.NET's TextLoader so
/// quoting works) or every PNG/JPEG/TIFF under a folder. Paths become absolute, so any saved model finds them.
/// </summary>
internal static class ImageTable
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".tif", ".tiff"];

    /// <param name="labelColumn">Required label column, or null to take "Label" only when present.</param>
    public static (List<ImageRow> Rows, bool HasLabels) FromManifest(MLContext ml, string manifest, string imageColumn, string? labelColumn, string? imageFolder)
    {
        var header = ManifestHeader.Read(manifest);
        ManifestHeader.Require(manifest, header, imageColumn, "--manifest");
        if (labelColumn is not null) ManifestHeader.Require(manifest, header, labelColumn, "--label-column");
        string? label = labelColumn ?? (header.Contains("Label") ? "Label" : null);
        var columns = new List<TextLoader.Column> { new(nameof(ImageRow.ImagePath), DataKind.String, header.ToList().IndexOf(imageColumn)) };
        if (label is not null) columns.Add(new(nameof(ImageRow.Label), DataKind.String, header.ToList().IndexOf(label)));
        var loader = ml.Data.CreateTextLoader(columns.ToArray(), separatorChar: ',', hasHeader: true, allowQuoting: true);
        var loaded = loader.Load(manifest);
        var rows = label is not null
            ? ml.Data.CreateEnumerable<ImageRow>(loaded, reuseRowObject: false).ToList()
            : ml.Data.CreateEnumerable<PathOnly>(loaded, reuseRowObject: false).Select(p => new ImageRow { ImagePath = p.ImagePath }).ToList();
        if (rows.Count == 0) throw new CliUsageException($"--manifest: '{manifest}' has no rows.");
        string folder = imageFolder ?? Path.GetDirectoryName(manifest)!;
        foreach (var r in rows) r.ImagePath = Path.GetFullPath(Path.Combine(folder, r.ImagePath));
        if (label is not null && rows.FirstOrDefault(r => string.IsNullOrWhiteSpace(r.Label)) is { } unlabelled)
            throw new CliUsageException($"--manifest: '{manifest}' has a row without a label ({unlabelled.ImagePath}).");
        return (rows, label is not null);
    }

    private sealed class PathOnly
    {
        public string ImagePath { get; set; } = "";
    }

    public static List<ImageRow> FromFolder(string folder)
    {
        var rows = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).Select(f => new ImageRow { ImagePath = f }).ToList();
        if (rows.Count == 0) throw new CliUsageException($"--images: folder '{folder}' holds no PNG, JPEG or TIFF images.");
        return rows;
    }
}
