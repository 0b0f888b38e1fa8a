using GeoSSL.Core.Networks;
using ResNetDepth = GeoSSL.Core.Networks.ResNetDepth;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Evaluation;
using GeoSSL.Tests.MLNet;
using Microsoft.ML;

namespace GeoSSL.Tests.Evaluation;

/// <summary>Area-level classification on real two-date tiles: which city a location lies in, from both of its dates.</summary>
[TestClass]
public sealed class AreaLevelRealDataTests
{
    public sealed class CityTile
    {
        public string ImagePath { get; set; } = "";
        public string LocationId { get; set; } = "";
        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void ProbeScores_AggregateOverBothDatesOfEachLocation()
    {
        var ml = new MLContext(seed: 1);
        var cityOf = File.ReadAllLines(TestData.OscdManifest).Skip(1).Select(l => l.Split(',')).GroupBy(f => f[1]).ToDictionary(g => g.Key, g => g.First()[2]);
        var tiles = TileRows.Load().Select(r => new CityTile { ImagePath = r.ImagePath, LocationId = r.LocationId, Label = cityOf[r.LocationId] }).ToList();
        // Whole locations go to one side: the first 14 locations of each city train, the other 6 test.
        var locationRank = tiles.Select(t => (t.Label, t.LocationId)).Distinct().GroupBy(p => p.Label)
            .SelectMany(g => g.Select((p, i) => (p.LocationId, i))).ToDictionary(p => p.LocationId, p => p.i);
        var train = ml.Data.LoadFromEnumerable(tiles.Where(t => locationRank[t.LocationId] < 14));
        var test = ml.Data.LoadFromEnumerable(tiles.Where(t => locationRank[t.LocationId] >= 14));
        var onnx = BaselineEncoders.RandomInit(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }, imageSize: 64, seed: 3);
        using var featurizer = new GeoImageFeaturizerEstimator(ml, onnx).Fit(train);
        var probe = LinearProbe.Run(ml, ml.Data.Cache(featurizer.Transform(train)), ml.Data.Cache(featurizer.Transform(test)));
        var scored = probe.Model.Transform(featurizer.Transform(test));

        var result = AreaLevelEvaluator.Evaluate(scored, "LocationId");
        Assert.AreEqual(8 * 6, result.Areas, "8 cities x 6 test locations");
        Assert.AreEqual(2 * 8 * 6, result.ImageLevel.Count, "two dates per location");
        Assert.AreEqual(probe.Report.MicroAccuracy, result.ImageLevel.MicroAccuracy, 1e-9, "image level = the probe's own evaluation");
        Assert.IsTrue(result.AreaLevel.MicroAccuracy > 1.0 / 8, $"area-level top-1 {result.AreaLevel.MicroAccuracy:P1} beats chance (12.5%)");
        Console.WriteLine($"city from tiles: image-level {result.ImageLevel.MicroAccuracy:P1}, area-level {result.AreaLevel.MicroAccuracy:P1}");
    }
}
