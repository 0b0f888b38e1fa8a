using System.Globalization;

namespace GeoSSL.Tests;

/// <summary>The fMoW-RGB-layout fixture (Fixtures/fmow, see its README) and the source tiles it was made from.</summary>
public static class FmowFixture
{
    public static string Root => Path.Combine(TestData.RepoRoot, "tests", "GeoSSL.Tests", "Fixtures", "fmow");

    /// <summary>One fixture image: its path under <see cref="Root"/> and the real centre and date of the OSCD tile it came from.</summary>
    public sealed record Source(string RelativePath, string SourceLocationId, double Latitude, double Longitude, DateTime Date);

    /// <summary>sources.csv, written by make_fixture.py beside the images: what the reader must give back.</summary>
    public static List<Source> Sources() => File.ReadAllLines(Path.Combine(Root, "sources.csv")).Skip(1).Where(l => l.Length > 0)
        .Select(l => l.Split(','))
        .Select(f => new Source(f[0], f[2], double.Parse(f[3], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture),
            DateTime.SpecifyKind(DateTime.ParseExact(f[5], "yyyy-MM-dd", CultureInfo.InvariantCulture), DateTimeKind.Utc)))
        .ToList();

    /// <summary>A writable copy of the fixture in a fresh temp folder (for broken variants).</summary>
    public static string Copy()
    {
        var dir = TestData.TempFolder("fmow");
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return dir;
    }
}
