using GeoSSL.Core.Evaluation;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Tests.Evaluation;

/// <summary>Metrics checked against values computed by hand.</summary>
[TestClass]
public sealed class MetricsTests
{
    private static readonly string[] ThreeClasses = ["a", "b", "c"];

    [TestMethod]
    public void ClassificationReport_MatchesHandComputedF1()
    {
        // truth 0,0,0,1,1,2 / predicted 0,0,1,1,2,2:
        // a: P 2/2 R 2/3 F1 0.8; b: P 1/2 R 1/2 F1 0.5; c: P 1/2 R 1/1 F1 2/3.
        var report = ClassificationReport.FromPredictions([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], ThreeClasses);
        Assert.AreEqual(4.0 / 6, report.MicroAccuracy, 1e-12);
        Assert.AreEqual((2.0 / 3 + 0.5 + 1) / 3, report.MacroAccuracy, 1e-12);
        Assert.AreEqual((0.8 + 0.5 + 2.0 / 3) / 3, report.MacroF1, 1e-12);
        Assert.AreEqual(1.0, report.Classes[0].Precision, 1e-12);
        Assert.AreEqual(0.8, report.Classes[0].F1, 1e-12);
        Assert.AreEqual(2.0 / 3, report.Classes[2].F1, 1e-12);
        CollectionAssert.AreEqual(new long[] { 3, 2, 1 }, report.Classes.Select(c => c.Support).ToArray());
        StringAssert.Contains(report.ToMarkdown(), "| a | 100.0% | 66.7% | 80.0% | 3 |");
    }

    [TestMethod]
    public void ClassificationReport_IgnoresClassesThatNeitherOccurNorArePredicted()
    {
        var report = ClassificationReport.FromPredictions([0, 1], [0, 1], ThreeClasses);
        Assert.AreEqual(1.0, report.MacroF1, 1e-12, "class c is absent from both and must not drag macro-F1 to 2/3");
        Assert.AreEqual(1.0, report.MacroAccuracy, 1e-12);
    }

    [TestMethod]
    public void AreaLevel_AveragesProbabilitiesPerLocation()
    {
        // A (label 0): 0.6/0.4 and 0.3/0.7 -> images 0,1; mean 0.45/0.55 -> area 1 (wrong)
        // B (label 1): 0.2/0.8 and 0.9/0.1 -> images 1,0; mean 0.55/0.45 -> area 0 (wrong)
        // C (label 1): 0.4/0.6 and 0.45/0.55 -> images 1,1; area 1 (right)
        // D (label 0): 0.9/0.1 and 0.4/0.6 -> images 0,1; mean 0.65/0.35 -> area 0 (right)
        var rows = new List<(string, int, float[])>
        {
            ("A", 0, [0.6f, 0.4f]), ("A", 0, [0.3f, 0.7f]), ("B", 1, [0.2f, 0.8f]), ("B", 1, [0.9f, 0.1f]),
            ("C", 1, [0.4f, 0.6f]), ("C", 1, [0.45f, 0.55f]), ("D", 0, [0.9f, 0.1f]), ("D", 0, [0.4f, 0.6f]),
        };
        var result = AreaLevelEvaluator.Evaluate(rows, ["x", "y"]);
        Assert.AreEqual(4, result.Areas);
        Assert.AreEqual(5.0 / 8, result.ImageLevel.MicroAccuracy, 1e-12);
        Assert.AreEqual(0.5, result.AreaLevel.MicroAccuracy, 1e-12);
        Assert.AreEqual(0.5, result.AreaLevel.MacroF1, 1e-12, "area truth 0,1,1,0 vs predicted 1,0,1,0: F1 0.5 for both classes");

        // The same through an IDataView with a key label and a Score column, as a classifier would produce.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new ScoredRow { Location = r.Item1, Label = r.Item2 == 0 ? "x" : "y", Score = r.Item3 }),
            SchemaDefinition.Create(typeof(ScoredRow)).With(s => s["Score"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2)));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var fromView = AreaLevelEvaluator.Evaluate(keyed, "Location");
        Assert.AreEqual(result.AreaLevel.MicroAccuracy, fromView.AreaLevel.MicroAccuracy, 1e-12);
        Assert.AreEqual(result.ImageLevel.MacroF1, fromView.ImageLevel.MacroF1, 1e-12);
        CollectionAssert.AreEqual(new[] { "x", "y" }, fromView.AreaLevel.Classes.Select(c => c.Name).ToArray());
    }

    [TestMethod]
    public void AreaLevel_RejectsALocationWithTwoLabels()
    {
        var ex = Assert.ThrowsExactly<InvalidDataException>(() =>
            AreaLevelEvaluator.Evaluate([("P7", 0, [1f, 0f]), ("P7", 1, [0f, 1f])], ["x", "y"]));
        StringAssert.Contains(ex.Message, "'P7'");
    }

    [TestMethod]
    public void Knn_VotesByCosineNeighbours_AndLeaveOneOutSkipsSelf()
    {
        float[][] bank = [[1f, 0f], [0.9f, 0.1f], [0f, 1f], [0.1f, 0.9f]];
        int[] labels = [0, 0, 1, 1];
        CollectionAssert.AreEqual(new[] { 0, 1 }, KnnClassifier.Predict(bank, labels, [[5f, 1f], [0.2f, 3f]], 2, k: 1));
        // Leave-one-out with k=1: each point's nearest other point is its partner, so the labels come back.
        CollectionAssert.AreEqual(labels, KnnClassifier.Predict(bank, labels, bank, 2, k: 1, leaveOneOut: true));
        // Without excluding itself every point would also be right; with a single mislabelled point only LOO shows it.
        int[] wrong = [0, 1, 1, 1];
        var loo = KnnClassifier.Predict(bank, wrong, bank, 2, k: 1, leaveOneOut: true);
        Assert.AreEqual(1, loo[0], "point 0 is predicted from its neighbour (labelled 1), not from itself");
    }

    [TestMethod]
    public void CollapseStatistic_IsZeroForIdenticalAndNearOneForSpreadEmbeddings()
    {
        var same = Enumerable.Range(0, 10).Select(_ => new float[] { 1, 2, 3, 4 }).ToList();
        Assert.AreEqual(0.0, EmbeddingStatistics.Collapse(same).NormalizedStd, 1e-7);
        // The d basis vectors: each dimension is 1 for one vector in d, std sqrt(1/d - 1/d^2), times sqrt(d) = sqrt(1 - 1/d).
        int d = 16;
        var basis = Enumerable.Range(0, d).Select(i => { var v = new float[d]; v[i] = 3; return v; }).ToList();
        Assert.AreEqual(Math.Sqrt(1 - 1.0 / d), EmbeddingStatistics.Collapse(basis).NormalizedStd, 1e-9);
    }

    private sealed class ScoredRow
    {
        public string Location { get; set; } = "";
        public string Label { get; set; } = "";
        public float[] Score { get; set; } = [];
    }
}

internal static class SchemaDefinitionExtensions
{
    public static SchemaDefinition With(this SchemaDefinition s, Action<SchemaDefinition> edit) { edit(s); return s; }
}
