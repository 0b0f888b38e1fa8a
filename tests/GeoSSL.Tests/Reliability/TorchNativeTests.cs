using System.Security.Cryptography;
using GeoSSL.Core.Devices;

namespace GeoSSL.Tests.Reliability;

/// <summary>
/// The TorchSharp native fix that GeoSSL.Core applies at start-up (the same code the build targets run): on TorchSharp's
/// own libLibTorchSharp.so it clears exactly one flag byte, leaves the source untouched and is idempotent; and a failed
/// load is explained by its cause, not TorchSharp's "missing libtorch-cpu-linux-x64 reference".
/// </summary>
[TestClass]
public sealed class TorchNativeTests
{
    private static string Original()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibTorchSharpElfFix.FileName);
        if (!File.Exists(path)) Assert.Inconclusive($"TorchSharp's native library is not at {path} (not Linux x64?)");
        return path;
    }

    [TestMethod]
    public void Patch_ClearsOneFlag_OnACopy_AndIsIdempotent()
    {
        string original = Original();
        string dir = Directory.CreateTempSubdirectory("geossl-native-").FullName;
        try
        {
            string copy = Path.Combine(dir, LibTorchSharpElfFix.FileName);
            File.Copy(original, copy);
            byte[] hashBefore = SHA256.HashData(File.ReadAllBytes(original));
            Assert.IsTrue(LibTorchSharpElfFix.NeedsPatch(copy), "TorchSharp 0.107 requires GLIBCXX_3.4.32 strictly");

            Assert.AreEqual("patched", LibTorchSharpElfFix.Patch(copy));
            byte[] a = File.ReadAllBytes(original), b = File.ReadAllBytes(copy);
            Assert.AreEqual(a.Length, b.Length);
            var changed = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToList();
            Assert.AreEqual(1, changed.Count, "one byte");
            Assert.AreEqual(2, b[changed[0]] ^ a[changed[0]], "VER_FLG_WEAK set, nothing else");
            Assert.IsFalse(LibTorchSharpElfFix.NeedsPatch(copy));
            Assert.AreEqual("already patched", LibTorchSharpElfFix.Patch(copy));
            CollectionAssert.AreEqual(hashBefore, SHA256.HashData(File.ReadAllBytes(original)), "the NuGet cache's file is never written");
            Assert.AreEqual(1, Directory.GetFiles(dir).Length, "no temp file left beside it");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void Patch_RefusesAFileThatIsNotALibrary()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not an ELF file at all, but long enough to have a header of sixty-four bytes......");
            Assert.ThrowsExactly<InvalidDataException>(() => LibTorchSharpElfFix.Patch(path));
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void FailedLoad_IsExplainedByItsCause()
    {
        const string torchSharp = "The libtorch-cpu-linux-x64 package doesn't contain a reference";
        string dir = Directory.CreateTempSubdirectory("geossl-native-").FullName;
        try
        {
            string copy = Path.Combine(dir, LibTorchSharpElfFix.FileName);
            string missing = TorchNative.Explain(torchSharp, [copy]);
            StringAssert.Contains(missing, "PackageReference Include=\"TorchSharp-cpu\"", "no native library at all: name the package to add");

            File.Copy(Original(), copy);
            string message = TorchNative.Explain(torchSharp, [copy]);
            if (LibTorchSharpElfFix.SystemLacksVersion())
            {
                StringAssert.Contains(message, "GLIBCXX_3.4.32");
                StringAssert.Contains(message, copy);
                StringAssert.Contains(message, "build/GeoSSL.MLNet.targets");
                StringAssert.Contains(message, "misleading");
            }
            else StringAssert.Contains(message, "could not load its native library");
            StringAssert.Contains(message, torchSharp, "TorchSharp's own words are kept at the end");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
