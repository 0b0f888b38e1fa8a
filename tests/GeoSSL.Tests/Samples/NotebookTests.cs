using System.Text.Json;

namespace GeoSSL.Tests.Samples;

/// <summary>
/// samples/notebooks/*.ipynb executed cell by cell in a C# .NET Interactive kernel (tests/GeoSSL.NotebookRunner, a separate
/// process so the kernel's Roslyn and .NET Interactive assemblies stay out of this one): any failing cell fails the test.
/// </summary>
[TestClass]
public sealed class NotebookTests
{
    private static string Runner => SampleRun.DllPath(Path.Combine("tests", "GeoSSL.NotebookRunner"), "GeoSSL.NotebookRunner");
    private static string Notebooks => Path.Combine(TestData.RepoRoot, "samples", "notebooks");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void LandCoverNotebook_RunsEveryCell_AndItsProbeBeatsABound()
    {
        string notebook = Path.Combine(Notebooks, "land-cover.ipynb");
        Assert.IsTrue(File.Exists(Path.Combine(Notebooks, "bin", "GeoSSL.MLNet.dll")), "samples/notebooks is built with the solution");
        string output = SampleRun.RunToEnd(Runner, [notebook], TimeSpan.FromMinutes(5));
        TestContext.WriteLine(output);

        int codeCells = CodeCells(notebook);
        Assert.IsGreaterThanOrEqualTo(5, codeCells);
        StringAssert.Contains(output, $"all {codeCells} C# cells ran");
        Assert.IsGreaterThan(70.0, SampleRun.Number(output, @"Test accuracy: ([0-9.]+)%"), output);
        StringAssert.Contains(output, "PredictionEngine: SeaLake_1.jpg -> ");
    }

    [TestMethod]
    public void NotebookRunner_StopsAtTheFirstFailingCell()
    {
        var folder = TestData.TempFolder("notebook-runner");
        string notebook = Path.Combine(folder, "broken.ipynb");
        File.WriteAllText(notebook, Notebook("Console.WriteLine(\"first ran\");", "throw new InvalidOperationException(\"second cell fails\");",
            "Console.WriteLine(\"never\");"));
        var (code, output, error) = SampleRun.Run(Runner, [notebook], TimeSpan.FromMinutes(2));
        Assert.AreEqual(1, code, output + error);
        StringAssert.Contains(output, "first ran");
        StringAssert.Contains(error, "cell 2/3 failed");
        StringAssert.Contains(error, "second cell fails");
        Assert.DoesNotContain("never", output);

        File.WriteAllText(notebook, Notebook("int x = \"not a number\";"));
        (code, output, error) = SampleRun.Run(Runner, [notebook], TimeSpan.FromMinutes(2));
        Assert.AreEqual(1, code, "a compile error fails too");
        StringAssert.Contains(error, "CS0029");
    }

    private static int CodeCells(string notebook)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(notebook));
        return doc.RootElement.GetProperty("cells").EnumerateArray().Count(c => c.GetProperty("cell_type").GetString() == "code");
    }

    /// <summary>A minimal C# notebook in the format Polyglot Notebooks writes.</summary>
    private static string Notebook(params string[] cells) => JsonSerializer.Serialize(new
    {
        cells = cells.Select(c => new Dictionary<string, object?>
        {
            ["cell_type"] = "code", ["execution_count"] = null, ["outputs"] = Array.Empty<object>(), ["source"] = new[] { c },
            ["metadata"] = new { dotnet_interactive = new { language = "csharp" }, polyglot_notebook = new { kernelName = "csharp" } },
        }),
        metadata = new
        {
            kernelspec = new { display_name = ".NET (C#)", language = "C#", name = ".net-csharp" },
            polyglot_notebook = new { kernelInfo = new { defaultKernelName = "csharp", items = new[] { new { name = "csharp", aliases = Array.Empty<string>() } } } },
        },
        nbformat = 4, nbformat_minor = 5,
    });
}
