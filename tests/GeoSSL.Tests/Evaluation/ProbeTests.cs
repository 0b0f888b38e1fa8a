using GeoSSL.Core.Networks;
using ResNetDepth = GeoSSL.Core.Networks.ResNetDepth;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;

namespace GeoSSL.Tests.Evaluation;

/// <summary>Linear probe and kNN on real EuroSAT patches with random-init features (the baseline row).</summary>
[TestClass]
public sealed class ProbeTests
{
    private static MLContext ml = null!;
    private static IDataView trainFeatures = null!, testFeatures = null!;

    public sealed class Patch
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    [ClassInitialize]
    public static void Featurize(TestContext _)
    {
        ml = new MLContext(seed: 1);
        // 20 patches per class to train, the other 10 to test.
        var patches = TestData.EuroSatPatches().GroupBy(p => p.Label)
            .SelectMany(g => g.Select((p, i) => (p, train: i < 20))).ToList();
        IDataView View(bool train) => ml.Data.LoadFromEnumerable(patches.Where(x => x.train == train).Select(x => new Patch { ImagePath = x.p.ImagePath, Label = x.p.Label }));
        var onnx = BaselineEncoders.RandomInit(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }, imageSize: 64, seed: 3);
        var train = View(true);
        var featurizer = new GeoImageFeaturizerEstimator(ml, onnx).Fit(train);
        trainFeatures = ml.Data.Cache(featurizer.Transform(train));
        var test = View(false);
        testFeatures = ml.Data.Cache(featurizer.Transform(test));
    }

    [TestMethod]
    public void LinearProbe_ReportAgreesWithMLNetMetrics_AndBeatsChance()
    {
        var result = LinearProbe.Run(ml, trainFeatures, testFeatures);
        Console.WriteLine($"probe top-1 {result.Report.MicroAccuracy:P1}");
        Assert.AreEqual(result.Metrics.MicroAccuracy, result.Report.MicroAccuracy, 1e-9, "top-1 from the confusion matrix = ML.NET's micro accuracy");
        Assert.AreEqual(result.Metrics.MacroAccuracy, result.Report.MacroAccuracy, 1e-9);
        Assert.AreEqual(100, result.Report.Count);
        Assert.AreEqual(10, result.Report.Classes.Count);
        Assert.IsTrue(result.Report.Classes.All(c => c.Support == 10));
        CollectionAssert.Contains(result.Report.Classes.Select(c => c.Name).ToList(), "SeaLake", "class names come from the label's key values");
        Assert.IsTrue(result.Report.MicroAccuracy > 0.3, $"random conv features separate land cover well above chance (10%); got {result.Report.MicroAccuracy:P1}");
        Assert.IsTrue(result.Report.MacroF1 > 0.2 && result.Report.MacroF1 <= 1);
    }

    [TestMethod]
    public void Knn_OnRealFeatures_BeatsChance()
    {
        var report = KnnEvaluation.Run(trainFeatures, testFeatures, k: 10);
        Assert.AreEqual(100, report.Count);
        Console.WriteLine($"kNN top-1 {report.MicroAccuracy:P1}");
        Assert.IsTrue(report.MicroAccuracy > 0.18, $"kNN top-1 {report.MicroAccuracy:P1}");
    }

    [TestMethod]
    public void LinearProbe_NamesAMissingColumn()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => LinearProbe.Run(ml, trainFeatures, testFeatures, labelColumnName: "Class"));
        StringAssert.Contains(ex.Message, "'Class'");
    }
}
