using GeoSSL.Cli;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;
using SkiaSharp;
using Spectre.Console;

namespace GeoSSL.Tests.Cli;

/// <summary>What one in-process run of the tool printed and returned.</summary>
public sealed record CliOutcome(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs <c>geossl</c> through its entry point with a recording console (no colours, wide, non-interactive) and a captured
/// error writer; small data helpers for the tiny runs.
/// </summary>
public static class CliHost
{
    public static CliOutcome Run(params string[] args) => Run(null, default, args);

    public static CliOutcome Run(Action<TrainingProgress>? observer, CancellationToken token, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        int code = GeoSslCli.RunAsync(args, new CliIo(console, error, observer), token).GetAwaiter().GetResult();
        return new CliOutcome(code, output.ToString(), error.ToString());
    }

    /// <summary>Bad input: exit code 2 and exactly one error line that mentions <paramref name="mention"/>, without a stack trace.</summary>
    public static void AssertBadInput(CliOutcome outcome, string mention)
    {
        Assert.AreEqual(ExitCodes.BadInput, outcome.ExitCode, outcome.ToString());
        var lines = outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, outcome.ToString());
        StringAssert.StartsWith(lines[0], "error: ", outcome.ToString());
        StringAssert.Contains(lines[0], mention, outcome.ToString());
        Assert.DoesNotContain("   at ", outcome.Error, "no stack trace without --verbose");
    }

    /// <summary>The PNG decodes and is a real picture (not one flat colour).</summary>
    public static void AssertPicture(string path)
    {
        Assert.IsTrue(File.Exists(path), path);
        using var bitmap = SKBitmap.Decode(path);
        Assert.IsNotNull(bitmap, $"{path} does not decode as an image");
        Assert.IsGreaterThan(100, bitmap.Width);
        Assert.IsGreaterThan(100, bitmap.Height);
        var colours = new HashSet<SKColor>();
        for (int y = 0; y < bitmap.Height; y += 7) for (int x = 0; x < bitmap.Width; x += 7) colours.Add(bitmap.GetPixel(x, y));
        Assert.IsGreaterThan(3, colours.Count, $"{path} is nearly one colour");
    }

    /// <summary>The first <paramref name="rows"/> rows of the bundled OSCD manifest (two dates per location), paths made absolute.</summary>
    public static string OscdManifest(string folder, int rows)
    {
        var lines = File.ReadAllLines(TestData.OscdManifest);
        string path = Path.Combine(folder, "oscd.csv");
        File.WriteAllLines(path, lines.Take(1).Concat(lines.Skip(1).Take(rows).Select(l => Path.Combine(TestData.OscdFolder, l))));
        return path;
    }

    /// <summary>Every <paramref name="every"/>-th EuroSAT patch (all ten classes), paths relative to the manifest's own folder.</summary>
    public static string EuroSatManifest(string folder, int every)
    {
        var lines = File.ReadAllLines(TestData.EuroSatManifest);
        string path = Path.Combine(folder, "eurosat.csv");
        File.WriteAllLines(path, lines.Take(1).Concat(lines.Skip(1).Where((_, i) => i % every == 0).Select(l => Path.Combine(TestData.EuroSatFolder, l))));
        return path;
    }

    /// <summary>The arguments of a pretraining run small enough for a test (ResNet-18 width 8, 32 px, 16 per batch).</summary>
    public static string[] TinyPretrain(string manifest, string outDir, int epochs) =>
        ["pretrain", "--manifest", manifest, "--out", outDir, "--epochs", $"{epochs}", "--width", "8", "--image-size", "32", "--batch-size", "16",
         "--queue-size", "64", "--geo-clusters", "4", "--device", "cpu"];
}
