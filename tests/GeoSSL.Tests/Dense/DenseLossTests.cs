using GeoSSL.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Dense;

[TestClass]
public sealed class DenseLossTests
{
    // Logits [1, 2, H, W] that put probability ~sigmoid(2*margin) on class 1 where positive[i] and on class 0 elsewhere.
    private static Tensor Logits(bool[] positive, int h, int w, float margin = 4f)
    {
        var values = new float[2 * h * w];
        for (int i = 0; i < h * w; i++) { values[i] = positive[i] ? -margin : margin; values[h * w + i] = -values[i]; }
        return torch.tensor(values, new long[] { 1, 2, h, w });
    }

    private static Tensor Labels(bool[] positive, int h, int w) => torch.tensor(positive.Select(p => p ? 1L : 0L).ToArray(), new long[] { 1, h, w });

    [TestMethod]
    public void CorrectPrediction_HasLowerLossThanWrongOne()
    {
        using var scope = NewDisposeScope();
        const int h = 8, w = 8;
        var truth = Enumerable.Range(0, h * w).Select(i => i % 16 == 3).ToArray(); // 4 of 64 pixels change
        var inverted = truth.Select(t => !t).ToArray();
        var allNegative = new bool[h * w];
        var loss = new DenseLoss(DenseLoss.BalancedWeights(4.0 / 64), diceWeight: 1.0);
        float correct = loss.Compute(Logits(truth, h, w), Labels(truth, h, w)).item<float>();
        float wrong = loss.Compute(Logits(inverted, h, w), Labels(truth, h, w)).item<float>();
        float missed = loss.Compute(Logits(allNegative, h, w), Labels(truth, h, w)).item<float>();
        Assert.IsLessThan(wrong, correct);
        Assert.IsLessThan(missed, correct, "missing every change costs more than finding it");
        Assert.IsLessThan(0.05f, correct);
        // Class weighting makes the all-negative answer (96% accurate) cost more than unweighted CE says.
        float unweighted = new DenseLoss(null, diceWeight: 0).Compute(Logits(allNegative, h, w), Labels(truth, h, w)).item<float>();
        float weighted = new DenseLoss(DenseLoss.BalancedWeights(4.0 / 64), diceWeight: 0).Compute(Logits(allNegative, h, w), Labels(truth, h, w)).item<float>();
        Assert.IsGreaterThan(unweighted * 5, weighted);
    }

    [TestMethod]
    public void Dice_IsFiniteWithoutPositives_AndPunishesFalseAlarms()
    {
        using var scope = NewDisposeScope();
        const int h = 8, w = 8;
        var none = new bool[h * w];
        var all = Enumerable.Repeat(true, h * w).ToArray();
        var loss = new DenseLoss(diceWeight: 1.0);
        float quiet = loss.Dice(Logits(none, h, w), Labels(none, h, w)).item<float>();
        float alarm = loss.Dice(Logits(all, h, w), Labels(none, h, w)).item<float>();
        Assert.IsTrue(float.IsFinite(quiet) && float.IsFinite(alarm));
        Assert.IsLessThan(0.1f, quiet, "no change predicted, none present: Dice loss near 0");
        Assert.IsGreaterThan(0.9f, alarm, "change everywhere, none present: Dice loss near 1");
        Assert.IsTrue(float.IsFinite(loss.Compute(Logits(none, h, w), Labels(none, h, w)).item<float>()));
        // Perfect overlap gives Dice near 0; the hand formula for probabilities p against mask t.
        var truth = Enumerable.Range(0, h * w).Select(i => i < 10).ToArray();
        var logits = Logits(truth, h, w, margin: 1f);
        var p = torch.nn.functional.softmax(logits, 1).select(1, 1);
        var t = Labels(truth, h, w).to(ScalarType.Float32);
        float expected = 1f - (2f * (p * t).sum().item<float>() + 1f) / (p.sum().item<float>() + t.sum().item<float>() + 1f);
        Assert.AreEqual(expected, loss.Dice(logits, Labels(truth, h, w)).item<float>(), 1e-6f);
        Assert.AreEqual(expected + torch.nn.functional.cross_entropy(logits, Labels(truth, h, w)).item<float>(),
            loss.Compute(logits, Labels(truth, h, w)).item<float>(), 1e-5f, "CE + 1 * Dice");
    }

    [TestMethod]
    public void Gradient_FlowsThroughBothTerms()
    {
        using var scope = NewDisposeScope();
        var logits = torch.randn(2, 2, 6, 6).requires_grad_(true);
        var labels = torch.randint(0, 2, new long[] { 2, 6, 6 });
        new DenseLoss(DenseLoss.BalancedWeights(0.2), diceWeight: 0.5).Compute(logits, labels).backward();
        Assert.IsGreaterThan(0f, logits.grad!.abs().sum().item<float>());
        Assert.IsTrue(logits.grad.isfinite().all().item<bool>());
    }

    [TestMethod]
    public void BalancedWeights_EqualiseClassContributions()
    {
        var w = DenseLoss.BalancedWeights(0.02);
        Assert.AreEqual(0.5 / 0.98, w[0], 1e-6);
        Assert.AreEqual(25.0, w[1], 1e-5);
        Assert.AreEqual(w[0] * 0.98, w[1] * 0.02, 1e-6, "weight x frequency equal for both classes");
        Assert.AreEqual(50f, DenseLoss.BalancedWeights(0.001)[1], "capped");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DenseLoss.BalancedWeights(0));
        Assert.ThrowsExactly<ArgumentException>(() => new DenseLoss([1f]));
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => new DenseLoss([1f, 1f, 1f]).Compute(torch.zeros(1, 2, 4, 4), torch.zeros(new long[] { 1, 4, 4 }, ScalarType.Int64)));
    }
}
