namespace GeoSSL.Data.Files;

/// <summary>
/// Guards a run's output files: a new run never replaces the checkpoint or model of an earlier run silently. Continuing
/// that run (resuming from the same checkpoint) may rewrite them; anything else must say so explicitly.
/// </summary>
internal static class RunOutputs
{
    /// <summary>
    /// Throws <see cref="IOException"/> naming the first of <paramref name="outputs"/> (option name, path) that already exists,
    /// unless <paramref name="overwrite"/> is set or this run resumes from <paramref name="resumeFrom"/> = that run's checkpoint.
    /// </summary>
    public static void RequireFree(IEnumerable<(string Option, string? Path)> outputs, string? checkpointPath, string? resumeFrom, bool overwrite, string overwriteOption)
    {
        if (overwrite) return;
        bool continuing = checkpointPath is not null && resumeFrom is not null && SameFile(checkpointPath, resumeFrom);
        if (continuing) return;
        foreach (var (option, path) in outputs)
        {
            if (path is null || !File.Exists(path)) continue;
            throw new IOException(
                $"{option} '{path}' already exists, from an earlier run. To continue that run, resume from its checkpoint" +
                (checkpointPath is null ? "" : $" ('{checkpointPath}')") + $"; to replace it, set {overwriteOption}; or choose another path.");
        }
    }

    /// <summary>
    /// The folder itself if it holds none of <paramref name="fileNames"/>, else the first free "folder-2", "folder-3", ...:
    /// for command-line runs that should keep every earlier run rather than fail.
    /// </summary>
    public static string NextFreeFolder(string folder, params string[] fileNames)
    {
        bool Taken(string f) => fileNames.Any(n => File.Exists(System.IO.Path.Combine(f, n)));
        if (!Taken(folder)) return folder;
        string trimmed = folder.TrimEnd('/', '\\');
        for (int i = 2; ; i++)
        {
            var candidate = $"{trimmed}-{i}";
            if (!Taken(candidate)) return candidate;
        }
    }

    private static bool SameFile(string a, string b) =>
        string.Equals(System.IO.Path.GetFullPath(a), System.IO.Path.GetFullPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
