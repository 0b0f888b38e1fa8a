using GeoSSL.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Dense;

[TestClass]
public sealed class DenseSlidingWindowTests
{
    [TestMethod]
    public void Offsets_CoverTheImage_WithTheLastWindowAtTheBorder()
    {
        CollectionAssert.AreEqual(new[] { 0, 16, 32, 48, 64, 68 }, SlidingWindowInference.Offsets(100, 32, 16).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 16, 32, 38 }, SlidingWindowInference.Offsets(70, 32, 16).ToArray());
        CollectionAssert.AreEqual(new[] { 0 }, SlidingWindowInference.Offsets(32, 32, 16).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 32, 64, 68 }, SlidingWindowInference.Offsets(100, 32, 32).ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => SlidingWindowInference.Offsets(31, 32, 16));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SlidingWindowInference(32, 33));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void PerPixelModel_EqualsDirectEvaluation(bool smooth)
    {
        // A 1x1 conv sees one pixel, so every window predicts the same value for a pixel and any weighted average of
        // them must be that value: this checks the window placement, accumulation and normalisation.
        torch.manual_seed(11);
        using var model = torch.nn.Sequential(torch.nn.Conv2d(6, 3, 1));
        using var scope = NewDisposeScope();
        var image = torch.randn(6, 70, 100);
        Tensor direct;
        using (no_grad()) direct = torch.nn.functional.softmax(model.forward(image.unsqueeze(0)), 1)[0];
        model.train();
        var sliding = new SlidingWindowInference(32, 16, batchSize: 5, smoothWeights: smooth).PredictProbabilities(model, image);
        CollectionAssert.AreEqual(new long[] { 3, 70, 100 }, sliding.shape);
        Assert.IsLessThan(1e-6f, (sliding - direct).abs().max().item<float>());
        Assert.IsTrue(model.training, "the training flag is restored");
        Assert.IsFalse(sliding.requires_grad);
    }

    [TestMethod]
    public void ChangeModel_GivesFiniteProbabilities_ForAWholePair()
    {
        using var model = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(false)), seed: 12, 32, 32);
        using var scope = NewDisposeScope();
        var a = torch.randn(3, 70, 100);
        var b = torch.randn(3, 70, 100);
        float[] change = new SlidingWindowInference(32, 16, smoothWeights: true).PredictChange(model, a, b);
        Assert.HasCount(70 * 100, change);
        Assert.IsTrue(change.All(p => float.IsFinite(p) && p >= 0f && p <= 1f));
        Assert.IsGreaterThan(1e-4f, change.Max() - change.Min(), "not a constant map");

        var probabilities = new SlidingWindowInference(32, 16).PredictProbabilities(model, torch.cat(new[] { a, b }, 0));
        Assert.IsLessThan(1e-5f, (probabilities.sum(new long[] { 0 }) - 1).abs().max().item<float>(), "class probabilities sum to 1");
        // A window-sized pair is one window: exactly the model's own softmax.
        var wa = a.narrow(1, 0, 32).narrow(2, 0, 32);
        var wb = b.narrow(1, 0, 32).narrow(2, 0, 32);
        var one = new SlidingWindowInference(32, 16).PredictChange(model, wa, wb);
        using (no_grad())
        {
            var expected = torch.nn.functional.softmax(model.Forward(wa.unsqueeze(0), wb.unsqueeze(0)), 1)[0, 1].contiguous().data<float>().ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], one[i], 1e-6f);
        }
    }
}
