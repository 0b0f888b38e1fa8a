using System.Globalization;
using GeoSSL.Data.Records;

namespace GeoSSL.Tests;

/// <summary>Paths to the real data committed with the project (samples/data/oscd-subset) and small helpers.</summary>
internal static class TestData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string OscdFolder => Path.Combine(RepoRoot, "samples", "data", "oscd-subset");
    public static string OscdManifest => Path.Combine(OscdFolder, "manifest.csv");

    /// <summary>The bundled manifest as records with absolute image paths (row = 0-based data row).</summary>
    public static List<GeoImageRecord> OscdRecords()
    {
        var lines = File.ReadAllLines(OscdManifest).Skip(1).Where(l => l.Length > 0).ToList();
        return lines.Select((line, i) =>
        {
            var f = line.Split(',');
            return new GeoImageRecord(i, Path.Combine(OscdFolder, f[0]), f[1], double.Parse(f[3], CultureInfo.InvariantCulture),
                double.Parse(f[4], CultureInfo.InvariantCulture), DateTime.Parse(f[5], CultureInfo.InvariantCulture));
        }).ToList();
    }

    public static string EuroSatFolder => Path.Combine(RepoRoot, "samples", "data", "eurosat-subset");
    public static string EuroSatManifest => Path.Combine(EuroSatFolder, "manifest.csv");

    /// <summary>The bundled EuroSAT patches (absolute path, class name), 30 per class, in manifest order (grouped by class).</summary>
    public static List<(string ImagePath, string Label)> EuroSatPatches() => File.ReadAllLines(EuroSatManifest).Skip(1)
        .Where(l => l.Length > 0).Select(l => l.Split(',')).Select(f => (Path.Combine(EuroSatFolder, f[0]), f[1])).ToList();

    /// <summary>A fresh empty folder under the system temp directory.</summary>
    public static string TempFolder(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "geossl-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        lock (Created) Created.Add(dir);
        return dir;
    }

    /// <summary>The folders <see cref="TempFolder"/> made in this run; deleted when the run ends (a full run leaves gigabytes otherwise).</summary>
    internal static readonly List<string> Created = [];

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GeoSSL.MLNet.sln")) || File.Exists(Path.Combine(dir.FullName, "GeoSSL.MLNet.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (GeoSSL.MLNet.sln) above " + AppContext.BaseDirectory);
    }
}
