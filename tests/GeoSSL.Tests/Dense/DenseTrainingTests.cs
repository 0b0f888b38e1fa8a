using GeoSSL.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Dense;

[TestClass]
public sealed class DenseTrainingTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// Synthetic pairs: date 2 is date 1 plus a little noise plus a bright square at a random place; the mask is the
    /// square. Textured backgrounds make "bright" alone insufficient: only the comparison of the dates finds the square.
    /// </summary>
    private static (Tensor Image1, Tensor Image2, Tensor Mask) Pairs(int count, int size, Generator generator)
    {
        var image1 = torch.randn(new long[] { count, 3, size, size }, generator: generator);
        var image2 = image1 + 0.1f * torch.randn(new long[] { count, 3, size, size }, generator: generator);
        var mask = torch.zeros(new long[] { count, size, size }, ScalarType.Int64);
        var corners = torch.randint(0, size - 10, new long[] { count, 3 }, generator: generator).data<long>().ToArray();
        for (int i = 0; i < count; i++)
        {
            int side = 6 + (int)(corners[3 * i + 2] % 5); // 6-10 px: 3.5-10% of a 32 px tile
            int r = (int)corners[3 * i], c = (int)corners[3 * i + 1];
            image2[i].narrow(1, r, side).narrow(2, c, side).add_(2.5f);
            mask[i].narrow(0, r, side).narrow(1, c, side).fill_(1);
        }
        return (image1, image2, mask);
    }

    private static BinaryConfusion Evaluate(DenseModel model, Tensor image1, Tensor image2, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        var predicted = model.Forward(image1, image2).argmax(1).eq(1);
        var truth = mask.eq(1);
        long tp = (predicted & truth).sum().item<long>(), fp = (predicted & ~truth).sum().item<long>();
        long fn = (~predicted & truth).sum().item<long>(), tn = (~predicted & ~truth).sum().item<long>();
        return new BinaryConfusion(tp, fp, fn, tn);
    }

    [TestMethod]
    public void ChangeModel_LearnsWhereASquareAppeared()
    {
        const int size = 32, batch = 8, steps = 40;
        torch.manual_seed(41);
        using var model = new DenseModel(DenseModelOptions.Change(DenseTestModels.Tiny(smallStem: false), ChangeFusion.Difference));
        var generator = new Generator(42);
        using var test = NewDisposeScope();
        var (t1, t2, tMask) = Pairs(32, size, generator);
        double fraction = tMask.to(ScalarType.Float32).mean().item<float>();
        var before = Evaluate(model, t1, t2, tMask);

        var loss = new DenseLoss(DenseLoss.BalancedWeights(fraction), diceWeight: 1.0);
        using var optimizer = torch.optim.Adam(model.TrainableParameters(), lr: 3e-3);
        float first = 0, last = 0;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            model.train();
            var (x1, x2, m) = Pairs(batch, size, generator);
            optimizer.zero_grad();
            var l = loss.Compute(model.Forward(x1, x2), m);
            l.backward();
            optimizer.step();
            if (step == 0) first = l.item<float>();
            last = l.item<float>();
        }
        var after = Evaluate(model, t1, t2, tMask);
        double allPositiveF1 = 2 * fraction / (1 + fraction);
        TestContext.WriteLine($"positive fraction {fraction:P1}; loss {first:F3} -> {last:F3}; F1 before {before.F1:F3}, after {after.F1:F3} (P {after.Precision:F3}, R {after.Recall:F3}); all-negative F1 0, all-positive F1 {allPositiveF1:F3}");
        Assert.IsLessThan(first, last);
        Assert.IsGreaterThan(0.5, after.F1, "the model finds most of the change");
        Assert.IsGreaterThan(allPositiveF1 + 0.3, after.F1, "clearly better than marking everything as change");
        Assert.IsGreaterThan(before.F1 + 0.2, after.F1, "training, not initialisation, found the change");
    }
}
