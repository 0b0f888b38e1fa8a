using GeoSSL.Data.Rasters;

namespace GeoSSL.Tests.Data;

/// <summary>Per-band statistics of a real Sentinel-2 L1C stack (OSCD bercy, reflectance x 10000).</summary>
[TestClass]
public sealed class BandStatisticsTests
{
    private static string BercyFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-s2-msi", "bercy", "imgs_1"));

    [TestMethod]
    public void Compute_OnBercy_MatchesATwoPassComputation()
    {
        var stack = Sentinel2BandStacker.Stack(BercyFolder, "all");
        var stats = BandStatistics.Compute([stack.Data], stack.Channels);
        for (int c = 0; c < stack.Channels; c++)
        {
            // Independent: two passes over the stack's own indexer, sums in double.
            double sum = 0;
            long n = 0;
            for (int y = 0; y < stack.Height; y++)
                for (int x = 0; x < stack.Width; x++) { sum += stack[c, y, x]; n++; }
            double mean = sum / n, squares = 0;
            for (int y = 0; y < stack.Height; y++)
                for (int x = 0; x < stack.Width; x++) { double d = stack[c, y, x] - mean; squares += d * d; }
            double std = Math.Sqrt(squares / n);
            Console.WriteLine($"{stack.Bands[c]}: mean {stats.Mean[c]:F1} std {stats.Std[c]:F1}");
            Assert.AreEqual(n, stats.Count[c]);
            Assert.AreEqual(mean, stats.Mean[c], 1e-9 * mean, stack.Bands[c]);
            Assert.AreEqual(std, stats.Std[c], 1e-9 * std, stack.Bands[c]);
            // Top-of-atmosphere reflectance x 10000 over Paris: hundreds to a few thousand with real spread, except the
            // cirrus band B10 (1375 nm), which water vapour absorbs almost entirely (about 13 here).
            if (stack.Bands[c] == "B10") Assert.IsTrue(mean is > 0 and < 100, $"B10: mean {mean}");
            else Assert.IsTrue(mean is > 100 and < 10000 && std > 10, $"{stack.Bands[c]}: mean {mean}, std {std}");
        }
    }

    [TestMethod]
    public void Sampling_IsDeterministic_AndCloseToTheFullStatistics()
    {
        var stack = Sentinel2BandStacker.Stack(BercyFolder, "B02,B03,B04,B08");
        var full = BandStatistics.Compute([stack.Data], 4);
        var a = BandStatistics.Compute([stack.Data], 4, maxPixelsPerImage: 20000, seed: 7);
        var b = BandStatistics.Compute([stack.Data], 4, maxPixelsPerImage: 20000, seed: 7);
        var other = BandStatistics.Compute([stack.Data], 4, maxPixelsPerImage: 20000, seed: 8);
        CollectionAssert.AreEqual(a.Mean, b.Mean);
        CollectionAssert.AreEqual(a.Std, b.Std);
        CollectionAssert.AreNotEqual(a.Mean, other.Mean);
        for (int c = 0; c < 4; c++)
        {
            Assert.AreEqual(20000, a.Count[c]);
            // 20000 of the pixels: the mean is within a few standard errors (std / sqrt(20000) < 1% of std).
            Assert.AreEqual(full.Mean[c], a.Mean[c], 0.05 * full.Std[c], stack.Bands[c]);
            Assert.AreEqual(full.Std[c], a.Std[c], 0.05 * full.Std[c], stack.Bands[c]);
        }

        // Images: a seeded reservoir; picking 2 of the 3 band-shifted copies is repeatable.
        var images = new[] { stack.Data, stack.Data.Select(v => v + 1000f).ToArray(), stack.Data.Select(v => v + 2000f).ToArray() };
        var two = BandStatistics.Compute(images, 4, maxImages: 2, seed: 3);
        Assert.AreEqual(2L * stack.Height * stack.Width, two.Count[0]);
        CollectionAssert.AreEqual(two.Mean, BandStatistics.Compute(images, 4, maxImages: 2, seed: 3).Mean);
    }

    [TestMethod]
    public void Compute_SkipsNoData_AndRejectsWrongSizes()
    {
        var stats = BandStatistics.Compute([new[] { 1f, 3f, float.NaN, 10f, 20f, 30f }], 2);
        Assert.AreEqual(2.0, stats.Mean[0], 1e-12);
        Assert.AreEqual(1.0, stats.Std[0], 1e-12);
        Assert.AreEqual(20.0, stats.Mean[1], 1e-12);
        Assert.AreEqual(2L, stats.Count[0]);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => BandStatistics.Compute([new float[5]], 2));
        StringAssert.Contains(ex.Message, "5 values");
        StringAssert.Contains(ex.Message, "2 channels");
    }
}
