namespace GeoSSL.Cli.Commands;

/// <summary>Checks of the user's paths before any work, each failing with one line that names the option and the path.</summary>
internal static class Inputs
{
    public static string ExistingFile(string? path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CliUsageException($"{option} needs a file.");
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new CliUsageException($"{option}: '{path}' is a folder; expected a file.");
        if (!File.Exists(full)) throw new CliUsageException($"{option}: file '{path}' does not exist.");
        return full;
    }

    public static string ExistingFolder(string? path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CliUsageException($"{option} needs a folder.");
        string full = Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new CliUsageException($"{option}: folder '{path}' does not exist.");
        return full;
    }

    /// <summary>Creates the output folder (and its parents); a file in its place is bad input.</summary>
    public static string OutputFolder(string path, string option)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new CliUsageException($"{option}: '{path}' is a file; expected a folder.");
        Directory.CreateDirectory(full);
        return full;
    }

    /// <summary>The folder of an output file must exist or be creatable; the extension must be one of <paramref name="extensions"/>.</summary>
    public static string OutputFile(string path, string option, params string[] extensions)
    {
        string full = Path.GetFullPath(path);
        if (extensions.Length > 0 && !extensions.Any(e => full.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            throw new CliUsageException($"{option}: '{path}' must end in {string.Join(" or ", extensions)}.");
        if (Directory.Exists(full)) throw new CliUsageException($"{option}: '{path}' is a folder; expected a file name.");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }
}
