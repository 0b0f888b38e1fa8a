using System.Diagnostics;
using GeoSSL.Tests.MLNet;

namespace GeoSSL.Tests.Reliability;

/// <summary>The sample program as a separate process, for the crash tests: start it, run it to the end, or start it and wait for a file.</summary>
internal sealed class SampleProcess(string verb, string[] settings)
{
    public Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SampleApp.DllPath());
        info.ArgumentList.Add(verb);
        foreach (var a in args.Concat(settings)) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Runs to the end and returns the standard output; fails the test on a non-zero exit code.</summary>
    public string RunToEnd(params string[] args)
    {
        using var p = Start(args);
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new AssertFailedException($"sample {verb} failed (exit {p.ExitCode}): {output}{stderr.Result}");
        return output;
    }

    /// <summary>Starts a run and returns once <paramref name="file"/> exists (or the run ended, or two minutes passed).</summary>
    public Process StartAndWaitFor(string file, params string[] args)
    {
        var p = Start(args);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(file) && !p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(5);
        return p;
    }
}
