using System.Runtime.InteropServices;
using GeoSSL.Core.Devices;
using TorchSharp;

namespace GeoSSL.Tests.Core;

[TestClass]
public sealed class HeapReuseTests
{
    // glibc's mallinfo2 (2.33+): hblkhd is the number of bytes currently held in mmap'd blocks.
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo();

    [TestMethod]
    public void AfterApply_ALargeTensorComesFromTheHeapNotFromAFreshMapping()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("glibc only");
        Assert.IsTrue(HeapReuse.Apply(), "glibc refused the mallopt settings");
        Assert.IsTrue(HeapReuse.Apply(), "a second call must report the same state");

        const long Floats = 12L << 20; // 48 MB, above glibc's largest mmap threshold (32 MB)
        nuint mappedBefore = MallInfo().hblkhd;
        using (var big = torch.ones(Floats))
        {
            nuint mappedDuring = MallInfo().hblkhd;
            Assert.IsTrue(mappedDuring < mappedBefore + (nuint)(Floats * 4 / 2),
                $"the 48 MB tensor was mmap'd (mapped bytes {mappedBefore} -> {mappedDuring})");
            Assert.AreEqual(Floats, big.sum().item<float>());
        }
        nuint heapAfterFree = MallInfo().fordblks;
        Assert.IsTrue(heapAfterFree >= (nuint)(Floats * 4), $"freed heap {heapAfterFree} bytes: the block was handed back to the kernel");
    }
}
