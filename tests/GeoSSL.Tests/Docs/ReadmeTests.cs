using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace GeoSSL.Tests.Docs;

/// <summary>
/// Every C# block of the README is a sample's code, verbatim, so it compiles with the solution; the quick start (the
/// README's pipeline) is also run here, from the repository root as the README says, and must learn something.
/// </summary>
[TestClass]
public sealed class ReadmeTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void EveryCSharpBlock_IsSampleCode()
    {
        // The README, the package's readme and the docs: every C# block a user may copy.
        var documents = new[] { "README.md", Path.Combine("nuget", "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(TestData.RepoRoot, "docs"), "*.md").Select(f => Path.GetRelativePath(TestData.RepoRoot, f)));
        var blocks = documents.SelectMany(d => Regex.Matches(File.ReadAllText(Path.Combine(TestData.RepoRoot, d)), "```csharp\\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)).ToList();
        Assert.IsTrue(blocks.Count >= 2, "the README and the package readme show the pipeline");
        var samples = Directory.GetFiles(Path.Combine(TestData.RepoRoot, "samples"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToDictionary(f => f, f => Normalise(File.ReadAllText(f)));
        foreach (var block in blocks)
        {
            string code = Normalise(block);
            var home = samples.FirstOrDefault(s => s.Value.Contains(code, StringComparison.Ordinal)).Key;
            Assert.IsNotNull(home, $"README block is not in any sample (copy it from one):\n{block}");
            TestContext.WriteLine($"README block of {block.Split('\n').Length} lines = {Path.GetRelativePath(TestData.RepoRoot, home)}");
        }
    }

    [TestMethod]
    public void QuickStart_RunsFromTheRepositoryRoot_AndItsProbeBeatsChance()
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string dll = Path.Combine(TestData.RepoRoot, "samples", "GeoSSL.QuickStart", "bin", baseDir.Parent!.Name, baseDir.Name, "GeoSSL.QuickStart.dll");
        Assert.IsTrue(File.Exists(dll), $"quick start not built at {dll}");
        string runs = Path.Combine(TestData.RepoRoot, "runs", "quickstart");
        if (Directory.Exists(runs)) Directory.Delete(runs, recursive: true);

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = TestData.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        TestContext.WriteLine(output);
        Assert.AreEqual(0, p.ExitCode, output + stderr.Result);

        Assert.AreEqual(1, Regex.Matches(output, @"^epoch 1/1: loss", RegexOptions.Multiline).Count, "one progress line per epoch");
        var probe = Regex.Match(output, @"Linear probe on (\d+) held-out EuroSAT patches: top-1 ([\d.]+)%");
        Assert.IsTrue(probe.Success, output);
        Assert.IsTrue(int.Parse(probe.Groups[1].Value) is > 30 and < 90, "about a fifth of the 300 bundled patches");
        double top1 = double.Parse(probe.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.IsTrue(top1 > 70, $"top-1 {top1}% on 10 classes (chance 10%; ImageNet start, 86.8% measured)");
        Assert.IsTrue(File.Exists(Path.Combine(runs, "featurizer.zip")) && File.Exists(Path.Combine(runs, "encoder.onnx")));
    }

    private static string Normalise(string code) => Regex.Replace(code.Replace("\r\n", "\n"), @"[ \t]+", " ").Trim();
}
