using GeoSSL.Core.Dense;

namespace GeoSSL.Tests.Dense;

[TestClass]
public sealed class ChangeMetricsTests
{
    [TestMethod]
    public void Counts_AndRatios_MatchHandCount()
    {
        var metrics = new ChangeMetrics();
        //                         TP     FP     FN     TN     TP     TN     FN
        bool[] predicted = [true, true, false, false, true, false, false];
        bool[] truth = [true, false, true, false, true, false, true];
        metrics.Add("paris", predicted, truth);
        var paris = metrics.PerCity["paris"];
        Assert.AreEqual(new BinaryConfusion(2, 1, 2, 2), paris);
        Assert.AreEqual(2.0 / 3, paris.Precision, 1e-12);
        Assert.AreEqual(2.0 / 4, paris.Recall, 1e-12);
        Assert.AreEqual(4.0 / 7, paris.F1, 1e-12); // 2*2 / (2*2 + 1 + 2); = 2PR/(P+R) = (2*2/3*1/2)/(7/6)
        Assert.AreEqual(2.0 * paris.Precision * paris.Recall / (paris.Precision + paris.Recall), paris.F1, 1e-12);
        Assert.AreEqual(2.0 / 5, paris.IoU, 1e-12);
        Assert.AreEqual(4.0 / 7, paris.OverallAccuracy, 1e-12);

        // Probabilities at the 0.5 threshold (>= counts as change); a second batch of the same city accumulates.
        metrics.Add("paris", [0.5f, 0.49f, 0.9f], [0, 1, 0]);
        Assert.AreEqual(new BinaryConfusion(2, 3, 3, 2), metrics.PerCity["paris"]);

        // A city without change: no positives predicted or present.
        metrics.Add("quiet", [false, false, false, false], [false, false, false, false]);
        var quiet = metrics.PerCity["quiet"];
        Assert.AreEqual(new BinaryConfusion(0, 0, 0, 4), quiet);
        Assert.IsTrue(double.IsNaN(quiet.Precision) && double.IsNaN(quiet.Recall) && double.IsNaN(quiet.F1) && double.IsNaN(quiet.IoU), "undefined ratios are NaN");
        Assert.AreEqual(1.0, quiet.OverallAccuracy);

        // Missing all change: recall and F1 are 0 (defined), precision undefined.
        metrics.Add("missed", [false, false], [true, false]);
        var missed = metrics.PerCity["missed"];
        Assert.AreEqual(0.0, missed.Recall);
        Assert.AreEqual(0.0, missed.F1);
        Assert.IsTrue(double.IsNaN(missed.Precision));

        Assert.AreEqual(new BinaryConfusion(2, 3, 4, 7), metrics.Overall, "overall = pooled counts");
        Assert.AreEqual(16, metrics.Overall.Total);
        Assert.AreEqual(4.0 / 11, metrics.Overall.F1, 1e-12); // 2*2 / (2*2 + 3 + 4)
        Assert.IsTrue(double.IsNaN(new BinaryConfusion().OverallAccuracy));
        Assert.ThrowsExactly<ArgumentException>(() => metrics.Add("bad", [true], [true, false]));
    }
}
