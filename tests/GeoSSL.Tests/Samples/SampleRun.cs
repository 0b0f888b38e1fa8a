using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace GeoSSL.Tests.Samples;

/// <summary>A built program of the repository (a sample, or the notebook runner) run to the end as a separate process.</summary>
internal static class SampleRun
{
    /// <summary>The program's dll in its build output, for the test project's configuration and framework.</summary>
    public static string DllPath(string projectFolder, string name)
    {
        // tests/GeoSSL.Tests/bin/<Configuration>/<tfm>/ → <projectFolder>/bin/<Configuration>/<tfm>/<name>.dll
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = baseDir.Name, configuration = baseDir.Parent!.Name;
        var path = Path.Combine(TestData.RepoRoot, projectFolder, "bin", configuration, tfm, name + ".dll");
        if (!File.Exists(path)) throw new AssertFailedException($"{name} not built at {path}; build the solution (the test project references it for build order).");
        return path;
    }

    /// <summary>Exit code, standard output and standard error of one run (killed and failed after <paramref name="timeout"/>).</summary>
    public static (int ExitCode, string Output, string Error) Run(string dll, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new AssertFailedException($"{Path.GetFileName(dll)} did not finish within {timeout.TotalSeconds:F0}s: {output.Result}{error.Result}");
        }
        p.WaitForExit();
        return (p.ExitCode, output.Result, error.Result);
    }

    /// <summary>Like <see cref="Run"/>, failing the test on a non-zero exit code; returns the standard output.</summary>
    public static string RunToEnd(string dll, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var (code, output, error) = Run(dll, args, timeout, workingDirectory);
        if (code != 0) throw new AssertFailedException($"{Path.GetFileName(dll)} failed (exit {code}):{Environment.NewLine}{output}{error}");
        return output;
    }

    /// <summary>The first number captured by <paramref name="pattern"/>'s group 1 in <paramref name="output"/>.</summary>
    public static double Number(string output, string pattern)
    {
        var m = Regex.Match(output, pattern);
        if (!m.Success) throw new AssertFailedException($"no line matching '{pattern}' in:{Environment.NewLine}{output}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
