using System.Globalization;
using System.Text.RegularExpressions;

namespace GeoSSL.Tests.Samples;

/// <summary>samples/GeoSSL.ChangeDetection at a tiny budget on the shared OSCD cities: train, validate, score, overlays, save/reload.</summary>
[TestClass]
public sealed class ChangeDetectionSampleTests
{
    private static string Cities => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-change"));
    private static string Dll => SampleRun.DllPath(Path.Combine("samples", "GeoSSL.ChangeDetection"), "GeoSSL.ChangeDetection");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ChangeDetectionSample_ScoresAHeldOutCity_WritesOverlays_AndReloadsToTheSameMaps()
    {
        var outDir = TestData.TempFolder("change-sample");
        string output = SampleRun.RunToEnd(Dll, ["--data", Cities, "--train", "bercy", "--validation", "paris", "--test", "bordeaux",
            "--epochs", "3", "--windows", "64", "--width", "16", "--out", outDir], TimeSpan.FromMinutes(4));
        TestContext.WriteLine(output);

        var scores = Regex.Match(output, @"Test bordeaux: precision ([0-9.]+) recall ([0-9.]+) F1 ([0-9.]+)");
        Assert.IsTrue(scores.Success, output);
        var (precision, recall, f1) = (Parse(scores.Groups[1]), Parse(scores.Groups[2]), Parse(scores.Groups[3]));
        Assert.IsTrue(new[] { precision, recall, f1 }.All(v => v is >= 0 and <= 1), scores.Value);
        double expectedF1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        Assert.AreEqual(expectedF1, f1, 0.002, "F1 is the harmonic mean of the printed precision and recall");
        // Calling every pixel "change" would score F1 = 2c / (1 + c) with c the city's change fraction (bordeaux: 1.0%, F1 0.020).
        double changeFraction = double.Parse(File.ReadLines(Path.Combine(Cities, "manifest.csv")).Single(l => l.StartsWith("bordeaux,"))
            .Split(',')[^1], CultureInfo.InvariantCulture);
        double everywhere = 2 * changeFraction / (1 + changeFraction);
        Assert.IsGreaterThan(2 * everywhere, f1, $"three tiny epochs already beat calling everything change ({everywhere:F3}) twice over");

        var overlays = Directory.GetFiles(Path.Combine(outDir, "overlays"), "*.png");
        Assert.HasCount(6, overlays);
        Assert.IsTrue(overlays.All(f => new FileInfo(f).Length > 100));
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "change.zip")));
        StringAssert.Contains(output, "reloaded model gives the same maps");
    }

    [TestMethod]
    public void ChangeDetectionSample_WithoutTheData_SaysWhereItLooked()
    {
        string missing = Path.Combine(TestData.TempFolder("change-sample-nodata"), "oscd-change");
        var (code, _, error) = SampleRun.Run(Dll, ["--data", missing], TimeSpan.FromMinutes(1));
        Assert.AreEqual(2, code, error);
        StringAssert.Contains(error, missing);
        StringAssert.Contains(error, "--data");
    }

    private static double Parse(Group g) => double.Parse(g.Value, CultureInfo.InvariantCulture);
}
