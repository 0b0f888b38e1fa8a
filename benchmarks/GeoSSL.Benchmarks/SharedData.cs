namespace GeoSSL.Benchmarks;

/// <summary>Where the benchmark finds ../shared (the folders beside the project) and what is in it.</summary>
internal static class SharedData
{
    public static string Root(BenchmarkArgs args)
    {
        if (args.Get("shared") is { } explicitRoot) return Path.GetFullPath(explicitRoot);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate) && dir.GetDirectories().Any(d => d.Name == "shared")) return Path.Combine(dir.FullName, "shared");
            string sibling = Path.Combine(dir.FullName, "..", "shared", "data");
            if (Directory.Exists(sibling)) return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
        }
        throw new DirectoryNotFoundException("Could not find ../shared/data beside the project; pass --shared PATH.");
    }

    /// <summary>EuroSAT patches as (absolute path, class name), in a fixed order (class, then file name).</summary>
    public static IEnumerable<(string Path, string Label)> EuroSatImages(BenchmarkArgs args)
    {
        string folder = Path.Combine(Root(args), "data", "eurosat-rgb");
        foreach (var classDir in Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(classDir).OrderBy(f => f, StringComparer.Ordinal))
                yield return (file, Path.GetFileName(classDir));
    }
}
