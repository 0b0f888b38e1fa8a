using System.Runtime;
using GeoSSL.Core.Devices;

namespace GeoSSL.Tests.Core;

[TestClass]
public sealed class CollectionPauseTests
{
    [TestMethod]
    public void Run_HoldsOffCollectionsTriggeredByOtherThreads_AndRestoresTheMode()
    {
        var before = GCSettings.LatencyMode;
        int collections = -1;
        var mode = CollectionPause.Run(() =>
        {
            int start = GC.CollectionCount(0);
            // Another thread allocates 16 MB in small pieces: normally several gen-0 collections.
            var other = Task.Run(() =>
            {
                long sum = 0;
                for (int i = 0; i < 16 * 1024; i++) sum += new byte[1000].Length;
                return sum;
            });
            other.Wait();
            collections = GC.CollectionCount(0) - start;
            return GCSettings.LatencyMode;
        });
        Assert.AreEqual(GCLatencyMode.NoGCRegion, mode, "the step runs inside a no-GC region");
        Assert.AreEqual(0, collections, "no collection starts during the step");
        Assert.AreEqual(before, GCSettings.LatencyMode, "the previous mode is back afterwards");
    }

    [TestMethod]
    public void Run_SurvivesAStepThatOverrunsTheBudget()
    {
        long total = CollectionPause.Run(() =>
        {
            long sum = 0;
            for (int i = 0; i < 100; i++) sum += new byte[1 << 20].Length; // 100 MB > 64 MB budget
            return sum;
        });
        Assert.AreEqual(100L << 20, total);
        Assert.AreNotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
