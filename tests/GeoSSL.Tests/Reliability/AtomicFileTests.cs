using System.Diagnostics;
using GeoSSL.Data.Files;

namespace GeoSSL.Tests.Reliability;

[TestClass]
public sealed class AtomicFileTests
{
    [TestMethod]
    public void Write_ReplacesTheFileAndLeavesNoTemporary()
    {
        var folder = TestData.TempFolder("atomic");
        var path = Path.Combine(folder, "model.bin");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        AtomicFile.WriteAllBytes(path, [4, 5]);
        CollectionAssert.AreEqual(new byte[] { 4, 5 }, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { "model.bin" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void FailedWrite_KeepsThePreviousFileAndRemovesItsTemporary()
    {
        var folder = TestData.TempFolder("atomic-fail");
        var path = Path.Combine(folder, "model.bin");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => { s.Write(new byte[1000]); throw new InvalidOperationException("disk full"); }));
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.HasCount(1, Directory.GetFiles(folder));
    }

    [TestMethod]
    public void NextWrite_DeletesTemporariesOfDeadWritersButNotOfLiveOnes()
    {
        var folder = TestData.TempFolder("atomic-stale");
        var path = Path.Combine(folder, "checkpoint.ckpt");
        // A process that has exited: its pid is free (a kill -9 mid-write leaves exactly such a file).
        using var finished = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        finished.WaitForExit();
        var dead = Path.Combine(folder, $".checkpoint.ckpt.{finished.Id}.0123abcd.tmp");
        var live = Path.Combine(folder, $".checkpoint.ckpt.{Environment.ProcessId}.4567cdef.tmp");
        File.WriteAllBytes(dead, new byte[100]);
        File.WriteAllBytes(live, new byte[100]);
        CollectionAssert.AreEqual(new[] { dead }, AtomicFile.StaleTemporaries(path).ToArray());

        AtomicFile.WriteAllBytes(path, [7]);
        Assert.IsFalse(File.Exists(dead), "a dead writer's temporary survived the next write");
        Assert.IsTrue(File.Exists(live), "a live writer's temporary was deleted");
    }

    [TestMethod]
    public void ChecksumTrailer_FindsTruncationAndChangedBytes()
    {
        var folder = TestData.TempFolder("checksum");
        var path = Path.Combine(folder, "x.bin");
        var content = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        AtomicFile.Write(path, s => { s.Write(content); ChecksumTrailer.Append(s); });
        ChecksumTrailer.Verify(path, "File");
        Assert.AreEqual(content.Length + 40, new FileInfo(path).Length);

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var truncated = Assert.Throws<InvalidDataException>(() => ChecksumTrailer.Verify(path, "File"));
        StringAssert.Contains(truncated.Message, path);
        StringAssert.Contains(truncated.Message, "truncated");

        bytes[100] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var changed = Assert.Throws<InvalidDataException>(() => ChecksumTrailer.Verify(path, "File"));
        StringAssert.Contains(changed.Message, "corrupt");
    }
}
