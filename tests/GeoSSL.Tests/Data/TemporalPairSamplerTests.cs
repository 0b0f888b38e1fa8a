using GeoSSL.Data.Records;
using GeoSSL.Data.Sampling;

namespace GeoSSL.Tests.Data;

[TestClass]
public sealed class TemporalPairSamplerTests
{
    private static readonly List<GeoImageRecord> Records = TestData.OscdRecords();

    [TestMethod]
    public void RealManifest_Has160LocationsOfTwoDates()
    {
        Assert.HasCount(320, Records);
        var sampler = new TemporalPairSampler(Records, useTemporalPositives: true);
        Assert.AreEqual(160, sampler.LocationCount);
        Assert.HasCount(160, sampler.LocationIds);
        for (int loc = 0; loc < sampler.LocationCount; loc++)
        {
            var views = sampler.ViewsOf(loc);
            Assert.HasCount(2, views, $"location {sampler.LocationIds[loc]}");
            Assert.AreEqual(sampler.LocationIds[loc], Records[views[0]].LocationId);
            Assert.AreEqual(sampler.LocationIds[loc], Records[views[1]].LocationId);
            Assert.AreNotEqual(Records[views[0]].Timestamp, Records[views[1]].Timestamp);
            foreach (var v in views) Assert.AreEqual(loc, sampler.LocationOf(v));
        }
    }

    [TestMethod]
    public void TemporalPositives_AreTheOtherDateOfTheSameLocation_ForEveryImageAndSeed()
    {
        var sampler = new TemporalPairSampler(Records, useTemporalPositives: true);
        for (int seed = 0; seed < 40; seed++)
        {
            var rng = new Random(seed);
            for (int anchor = 0; anchor < Records.Count; anchor++)
            {
                int positive = sampler.PositiveFor(anchor, rng);
                Assert.AreNotEqual(anchor, positive, $"seed {seed}, anchor {anchor}");
                Assert.AreEqual(Records[anchor].LocationId, Records[positive].LocationId, $"seed {seed}, anchor {anchor}");
                Assert.AreNotEqual(Records[anchor].Timestamp, Records[positive].Timestamp, $"seed {seed}, anchor {anchor}");
            }
        }
    }

    [TestMethod]
    public void WithoutTemporalPositives_PositiveIsTheAnchor()
    {
        var sampler = new TemporalPairSampler(Records, useTemporalPositives: false, allowSameImage: true);
        var rng = new Random(3);
        for (int anchor = 0; anchor < Records.Count; anchor++)
            Assert.AreEqual(anchor, sampler.PositiveFor(anchor, rng));
    }

    [TestMethod]
    public void LocationWithASingleImage_FallsBackToItself()
    {
        // drop the second date of the first location: that location now has one image (now index 0)
        var records = Records.Where((r, i) => i != 1).ToList();
        Assert.AreEqual(Records[0].LocationId, records[0].LocationId);
        Assert.AreNotEqual(records[0].LocationId, records[1].LocationId);
        var sampler = new TemporalPairSampler(records, useTemporalPositives: true);
        Assert.AreEqual(160, sampler.LocationCount);
        Assert.HasCount(1, sampler.ViewsOf(sampler.LocationOf(0)));
        for (int seed = 0; seed < 20; seed++)
        {
            var rng = new Random(seed);
            Assert.AreEqual(0, sampler.PositiveFor(0, rng));
            // the other locations still pair across dates
            int p = sampler.PositiveFor(1, rng);
            Assert.AreEqual(2, p);
        }
        var lenient = new TemporalPairSampler(records, useTemporalPositives: true, allowSameImage: true);
        Assert.AreEqual(0, lenient.PositiveFor(0, new Random(1)));
    }

    [TestMethod]
    public void AllowSameImage_ReturnsTheAnchorSometimesAndTheOtherDateSometimes()
    {
        var sampler = new TemporalPairSampler(Records, useTemporalPositives: true, allowSameImage: true);
        var rng = new Random(11);
        for (int anchor = 0; anchor < 10; anchor++)
        {
            int self = 0, other = 0;
            for (int t = 0; t < 200; t++)
            {
                int p = sampler.PositiveFor(anchor, rng);
                Assert.AreEqual(Records[anchor].LocationId, Records[p].LocationId);
                if (p == anchor) self++; else other++;
            }
            Assert.IsGreaterThan(40, self, $"anchor {anchor}: the anchor itself was picked {self}/200 times");
            Assert.IsGreaterThan(40, other, $"anchor {anchor}: the other date was picked {other}/200 times");
        }
    }

    [TestMethod]
    public void PrefersAnotherDate_AndChoosesAmongAllOtherDates()
    {
        // location A gets three images: two on the same day and one on another; location B gets three different days
        var a = Records[0];
        var b = Records[2];
        var records = new List<GeoImageRecord>
        {
            a with { Row = 0, Timestamp = new DateTime(2016, 1, 1) },
            a with { Row = 1, Timestamp = new DateTime(2016, 1, 1), ImagePath = Records[1].ImagePath },
            a with { Row = 2, Timestamp = new DateTime(2018, 1, 1), ImagePath = Records[4].ImagePath },
            b with { Row = 3, Timestamp = new DateTime(2015, 1, 1) },
            b with { Row = 4, Timestamp = new DateTime(2016, 1, 1) },
            b with { Row = 5, Timestamp = new DateTime(2017, 1, 1) },
        };
        var sampler = new TemporalPairSampler(records, useTemporalPositives: true);
        var rng = new Random(5);
        var fromB = new int[6];
        for (int t = 0; t < 300; t++)
        {
            // same-day image 1 is never the positive of image 0 while another date exists
            Assert.AreEqual(2, sampler.PositiveFor(0, rng));
            Assert.AreEqual(2, sampler.PositiveFor(1, rng));
            int p2 = sampler.PositiveFor(2, rng);
            Assert.IsTrue(p2 is 0 or 1, $"positive of the 2018 image was {p2}");
            fromB[sampler.PositiveFor(3, rng)]++;
        }
        Assert.AreEqual(0, fromB[3]);
        Assert.IsGreaterThan(100, fromB[4]);
        Assert.IsGreaterThan(100, fromB[5]);

        // two images of one location on the same day: falls back to the other image rather than the anchor
        var sameDay = new TemporalPairSampler(records.Take(2).ToList(), useTemporalPositives: true);
        Assert.AreEqual(1, sameDay.PositiveFor(0, rng));
        Assert.AreEqual(0, sameDay.PositiveFor(1, rng));
    }

    [TestMethod]
    public void SameSeed_GivesSamePositives()
    {
        var records = Records.Take(6).Select(r => r with { LocationId = "one" }).ToList(); // one location, 3 per date
        var sampler = new TemporalPairSampler(records, useTemporalPositives: true);
        int[] Draw(int seed) { var rng = new Random(seed); return Enumerable.Range(0, 200).Select(i => sampler.PositiveFor(i % 6, rng)).ToArray(); }
        CollectionAssert.AreEqual(Draw(9), Draw(9));
        CollectionAssert.AreNotEqual(Draw(9), Draw(10));
    }
}
