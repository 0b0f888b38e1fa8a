using GeoSSL.Data.Manifests;

namespace GeoSSL.Cli.Commands;

/// <summary>The column names of a CSV manifest's header line, to pick optional columns (dates, labels) before reading rows.</summary>
internal static class ManifestHeader
{
    public static IReadOnlyList<string> Read(string path)
    {
        if (ManifestReader.IsParquet(path)) return [];
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(header)) throw new CliUsageException($"--manifest: '{path}' is empty; expected a CSV header line.");
        return header.TrimStart('\uFEFF').Split(',').Select(c => c.Trim().Trim('"')).ToList();
    }

    public static void Require(string path, IReadOnlyList<string> columns, string column, string option)
    {
        if (!columns.Contains(column, StringComparer.Ordinal))
            throw new CliUsageException($"{option}: '{path}' has no column '{column}' (columns: {string.Join(", ", columns)}).");
    }
}
