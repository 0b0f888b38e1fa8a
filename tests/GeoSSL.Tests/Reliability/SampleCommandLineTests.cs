using System.Diagnostics;
using GeoSSL.Tests.MLNet;

namespace GeoSSL.Tests.Reliability;

/// <summary>The pretraining sample's command line as a user meets it: --help, a typo in an option, a value that is not a number.</summary>
[TestClass]
public sealed class SampleCommandLineTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SampleApp.DllPath());
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, error.Result);
    }

    [TestMethod]
    public void Help_ListsTheCommands_AndTrainsNothing()
    {
        var (code, output, _) = Run("--help");
        Assert.AreEqual(0, code);
        foreach (var verb in new[] { "pretrain", "pretrain-scenes", "finetune", "featurize", "detect-changes" }) StringAssert.Contains(output, verb);
        Assert.AreEqual(0, Run("finetune", "--help").Code);
    }

    [TestMethod]
    public void UnknownOption_IsOneLine_ExitCode2()
    {
        var (code, output, error) = Run("--epocs", "3");
        Assert.AreEqual(2, code, output);
        Assert.AreEqual("error: 'pretrain' has no option --epocs (see --help)", error.Trim());
        Assert.AreEqual(2, Run("retrain").Code, "unknown command");
    }

    [TestMethod]
    public void NonNumericValue_IsOneLine_ExitCode2()
    {
        var (code, _, error) = Run("--epochs", "three", "--out", Path.Combine(Path.GetTempPath(), $"geossl-cli-{Environment.ProcessId}"));
        Assert.AreEqual(2, code, error);
        StringAssert.StartsWith(error.Trim(), "error: an option's value is not a number");
        Assert.AreEqual(1, error.Trim().Split('\n').Length, "one line, no stack trace");
    }
}
