using GeoSSL.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Tests.MLNet;

/// <summary>
/// The featurizer a pretraining returns can carry the measured recipe's pooled statistics (channel stds beside the means,
/// mirror averaging), its schema says so before Fit, and the checkpoint reloads into the same featurizer.
/// </summary>
[TestClass]
public sealed class PooledStatisticsTests
{
    [TestMethod]
    public void PretrainingFeaturizer_WithStdPoolsAndFlip_MatchesTheReloadedCheckpoint()
    {
        string folder = TestData.TempFolder("pooled-statistics");
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(TileRows.Load(take: 96));
        var options = TileRows.TinyOptions(folder, epochs: 1);
        options.PooledLayers = [3, 4];
        options.PoolStandardDeviation = true;
        options.TestTimeAugmentation = TestTimeAugmentation.Dihedral;
        var estimator = ml.Transforms.GeoContrastivePretrain(options);
        var schema = estimator.GetOutputSchema(GeoSSL.Tests.Classification.GeoImageClassifierTests.Shape(rows.Schema));
        Assert.IsTrue(schema.Any(c => c.Name == "Features" && c.Kind == SchemaShape.Column.VectorKind.Vector), "the schema promises the feature vector");

        using var featurizer = estimator.Fit(rows);
        int width = 2 * (64 + 128); // layer3 and layer4 of a width-16 ResNet-18, a mean and a std per channel
        Assert.AreEqual(width, estimator.LastReport!.FeatureDimension);
        Assert.AreEqual(width, ((VectorDataViewType)featurizer.GetOutputSchema(rows.Schema)["Features"].Type).Size);
        var features = TileRows.Features(ml, featurizer, rows);
        Assert.AreEqual(width, features[0].Length);

        using var reloaded = ml.Transforms.GeoFeaturizeImage(new GeoImageFeaturizerEstimator.Options
        {
            EncoderPath = options.CheckpointPath, ImageSize = 32, PooledLayers = [3, 4], PoolStandardDeviation = true, TestTimeAugmentation = TestTimeAugmentation.Dihedral,
        }).Fit(rows);
        Assert.IsTrue(TileRows.MaxAbsDiff(features, TileRows.Features(ml, reloaded, rows)) <= 1e-5, "the checkpoint gives the same featurizer");
        using var withoutFlip = ml.Transforms.GeoFeaturizeImage(new GeoImageFeaturizerEstimator.Options
        {
            EncoderPath = options.CheckpointPath, ImageSize = 32, PooledLayers = [3, 4], PoolStandardDeviation = true,
        }).Fit(rows);
        Assert.IsTrue(TileRows.MaxAbsDiff(features, TileRows.Features(ml, withoutFlip, rows)) > 1e-4, "the views reached the returned featurizer");
    }
}
