namespace GeoSSL.Tests.MLNet;

/// <summary>Locates the sample program built beside the tests (same configuration), for fresh-process checks.</summary>
public static class SampleApp
{
    public static string DllPath()
    {
        // tests/GeoSSL.Tests/bin/<Configuration>/net10.0/ → samples/GeoSSL.Pretrain/bin/<Configuration>/net10.0/
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = baseDir.Name, configuration = baseDir.Parent!.Name;
        var path = Path.Combine(TestData.RepoRoot, "samples", "GeoSSL.Pretrain", "bin", configuration, tfm, "GeoSSL.Pretrain.dll");
        if (!File.Exists(path)) throw new AssertFailedException($"Sample program not built at {path}; build the solution (the test project references it for build order).");
        return path;
    }
}
