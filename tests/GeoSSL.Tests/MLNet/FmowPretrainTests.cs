using GeoSSL.Core.Engine;
using GeoSSL.Core.Training;
using GeoSSL.Data.Records;
using GeoSSL.Data.Sampling;
using GeoSSL.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;
using MetricNames = GeoSSL.MLNet.MetricNames;
using PretrainVariant = GeoSSL.MLNet.PretrainVariant;

namespace GeoSSL.Tests.MLNet;

/// <summary>mlContext.Data.LoadFmow on the fMoW-layout fixture, and one tiny pretraining run on it with its default column names.</summary>
[TestClass]
public sealed class FmowPretrainTests
{
    private static MLContext ml = null!;
    private static IDataView data = null!;
    private static GeoPretrainReport report = null!;
    private static ITransformer featurizer = null!;
    private static readonly List<TrainingProgress> progress = new();

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        ml = new MLContext(seed: 1);
        data = ml.Data.LoadFmow(FmowFixture.Root);
        var options = TileRows.TinyOptions(epochs: 1);
        // Only the timestamp needs naming: the estimator reads no dates unless asked. The other columns are its defaults.
        options.TimestampColumnName = "Timestamp";
        options.BatchSize = 8;
        options.ReportEveryNSteps = 1;
        options.Progress = new SyncProgress(progress.Add);
        var estimator = ml.Transforms.GeoContrastivePretrain(options);
        featurizer = estimator.Fit(data);
        report = estimator.LastReport!;
    }

    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    [TestMethod]
    public void LoadFmow_HasThePretrainingDefaultColumns()
    {
        var schema = data.Schema;
        Assert.AreEqual(TextDataViewType.Instance, schema["ImagePath"].Type);
        Assert.AreEqual(TextDataViewType.Instance, schema["LocationId"].Type);
        Assert.AreEqual(NumberDataViewType.Double, schema["Latitude"].Type);
        Assert.AreEqual(NumberDataViewType.Double, schema["Longitude"].Type);
        Assert.AreEqual(DateTimeDataViewType.Instance, schema["Timestamp"].Type);
        var rows = Rows(data);
        Assert.HasCount(16, rows);
        var expected = GeoSSL.Data.Sources.FmowLayout.Read(FmowFixture.Root);
        CollectionAssert.AreEqual(expected.Select(r => r.ImagePath).ToList(), rows.Select(r => r.ImagePath).ToList(), "same rows, same order as FmowLayout");
        CollectionAssert.AreEqual(expected.Select(r => r.LocationId).ToList(), rows.Select(r => r.LocationId).ToList());
        CollectionAssert.AreEqual(expected.Select(r => r.Timestamp).ToList(), rows.Select(r => r.Timestamp).ToList());
        CollectionAssert.AreEqual(expected.Select(r => r.Latitude).ToList(), rows.Select(r => r.Latitude).ToList());
        CollectionAssert.AreEqual(expected.Select(r => r.Longitude).ToList(), rows.Select(r => r.Longitude).ToList());
    }

    [TestMethod]
    public void LoadFmow_OneSplit_AndCategories()
    {
        var val = Rows(ml.Data.LoadFmow(FmowFixture.Root, "val"));
        Assert.HasCount(4, val);
        Assert.IsTrue(val.All(r => r.LocationId.StartsWith("val/")));
        var airports = Rows(ml.Data.LoadFmow(FmowFixture.Root, ["train"], ["airport"]));
        Assert.HasCount(6, airports);
        Assert.IsTrue(airports.All(r => r.LocationId.StartsWith("train/airport/")));
        Assert.ThrowsExactly<GeoDataException>(() => ml.Data.LoadFmow(FmowFixture.Root, "test"));
    }

    [TestMethod]
    public void Fit_PlansTheFixturesLocationsAndTrainsToAFiniteLoss()
    {
        Assert.AreEqual(16, report.Images);
        Assert.AreEqual(8, report.Locations, "one location per instance folder, split and category kept apart");
        Assert.IsTrue(report.GeoClusters is >= 2 and <= 8, $"geo clusters {report.GeoClusters}: eight places on four continents");
        Assert.HasCount(1, report.Epochs);
        var epoch = report.Epochs[0];
        Assert.IsTrue(double.IsFinite(epoch.Loss) && epoch.Loss > 0, $"loss {epoch.Loss}");
        Assert.IsTrue(double.IsFinite(epoch.Metric(MetricNames.Contrastive)) && epoch.Metric(MetricNames.Contrastive) > 0 && double.IsFinite(epoch.Metric(MetricNames.Geo)) && epoch.Metric(MetricNames.Geo) > 0);
        // 16 images in batches of 8: step 1 is reported on its own, step 2 by the epoch's summary.
        Assert.HasCount(2, progress);
        Assert.IsTrue(progress.All(p => p.StepsPerEpoch == 2 && double.IsFinite(p.Loss)), string.Join(" | ", progress));
        Assert.IsTrue(progress[0] is { IsEpochEnd: false, Step: 1 } && progress[1] is { IsEpochEnd: true, Step: 2 }, string.Join(" | ", progress));
        Assert.IsEmpty(report.Warnings, string.Join(" | ", report.Warnings));
    }

    [TestMethod]
    public void TemporalPositives_OfTheLoadedRows_AreTheOtherDate()
    {
        // The pairs the estimator plans come from these rows through TemporalPairSampler; with two dates per instance
        // folder every anchor's positive must be the same place on the other date, whatever the draw.
        var rows = Rows(data);
        var records = rows.Select((r, i) => new GeoImageRecord(i, r.ImagePath, r.LocationId, r.Latitude, r.Longitude, r.Timestamp)).ToList();
        var sampler = new TemporalPairSampler(records, useTemporalPositives: true);
        Assert.AreEqual(report.Locations, sampler.LocationCount);
        for (int seed = 0; seed < 10; seed++)
        {
            var rng = new Random(seed);
            for (int anchor = 0; anchor < records.Count; anchor++)
            {
                int positive = sampler.PositiveFor(anchor, rng);
                Assert.AreNotEqual(anchor, positive);
                Assert.AreEqual(records[anchor].LocationId, records[positive].LocationId);
                Assert.AreNotEqual(records[anchor].Timestamp, records[positive].Timestamp);
                Assert.AreEqual(records[anchor].Latitude, records[positive].Latitude, 1e-6, "both dates show the same ground");
            }
        }
    }

    [TestMethod]
    public void Featurizer_GivesFiniteFeaturesForEveryFmowImage()
    {
        var features = TileRows.Features(ml, featurizer, data);
        Assert.HasCount(16, features);
        Assert.IsTrue(features.All(f => f.Length == 128 && f.All(float.IsFinite)));
    }

    private sealed record Row(string ImagePath, string LocationId, double Latitude, double Longitude, DateTime Timestamp);

    private static List<Row> Rows(IDataView view)
    {
        var s = view.Schema;
        using var cursor = view.GetRowCursor(s);
        var path = cursor.GetGetter<ReadOnlyMemory<char>>(s["ImagePath"]);
        var loc = cursor.GetGetter<ReadOnlyMemory<char>>(s["LocationId"]);
        var lat = cursor.GetGetter<double>(s["Latitude"]);
        var lon = cursor.GetGetter<double>(s["Longitude"]);
        var time = cursor.GetGetter<DateTime>(s["Timestamp"]);
        var rows = new List<Row>();
        ReadOnlyMemory<char> p = default, l = default;
        double a = 0, o = 0;
        DateTime t = default;
        while (cursor.MoveNext())
        {
            path(ref p); loc(ref l); lat(ref a); lon(ref o); time(ref t);
            rows.Add(new Row(p.ToString(), l.ToString(), a, o, t));
        }
        return rows;
    }
}
