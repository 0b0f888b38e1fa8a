namespace GeoSSL.Tests;

/// <summary>Deletes the run's temporary folders once every test is done.</summary>
[TestClass]
public static class TempFolderCleanup
{
    [AssemblyCleanup]
    public static void DeleteTempFolders()
    {
        lock (TestData.Created)
            foreach (var dir in TestData.Created)
                try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
                catch (IOException) { } // a process a test started may still hold a file; the OS temp cleaner gets it later
                catch (UnauthorizedAccessException) { }
    }
}
