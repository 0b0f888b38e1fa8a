using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Networks;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Tests.Core;

// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class QueueTests
{
    private const int Dim = 16;
    private const int QueueSize = 100;

    private static MocoOptions Options(bool contrastive = true, int geoClasses = 0) => new()
    {
        Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, SmallInputStem = false },
        ProjectionDimension = Dim,
        QueueSize = QueueSize,
        Momentum = 0.99,
        Temperature = 0.2,
        Contrastive = contrastive,
        GeoClasses = geoClasses,
    };

    /// <summary>n keys with ids first..first+n-1: component 0 is the id, the rest a function of it.</summary>
    private static Tensor Keys(int first, int n)
    {
        var data = new float[n * Dim];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < Dim; d++)
                data[i * Dim + d] = d == 0 ? first + i : (first + i) * 0.01f + d;
        return tensor(data, new long[] { n, Dim });
    }

    /// <summary>The id held in each queue column.</summary>
    private static int[] ColumnIds(GeoMoco model)
    {
        using var snapshot = model.QueueSnapshot();
        var q = snapshot.data<float>().ToArray(); // [Dim, K] row-major
        var ids = new int[QueueSize];
        for (int col = 0; col < QueueSize; col++)
        {
            float id = q[col];
            ids[col] = (int)Math.Round(id);
            for (int d = 1; d < Dim; d++)
                Assert.AreEqual(id * 0.01f + d, q[d * QueueSize + col], 1e-4, $"column {col} does not hold key {id} intact");
        }
        return ids;
    }

    [TestMethod]
    public void NewQueue_HasUnitColumns_AndPointerZero()
    {
        using var model = new GeoMoco(Options());
        using var q = model.QueueSnapshot();
        CollectionAssert.AreEqual(new long[] { Dim, QueueSize }, q.shape);
        var norms = q.norm(0).data<float>().ToArray();
        Assert.IsTrue(norms.All(n => Math.Abs(n - 1) < 1e-5), "queue columns are not L2-normalised");
        Assert.AreEqual(0L, model.QueuePointer);
        // a snapshot is a copy
        q.zero_();
        using var again = model.QueueSnapshot();
        Assert.IsGreaterThan(0.5f, again.abs().sum().item<float>());
    }

    [TestMethod]
    public void SevenBatchesOf16_WrapAroundTo12_WithKeysInTheirSlots()
    {
        using var model = new GeoMoco(Options());
        for (int t = 0; t < 7; t++)
        {
            using var keys = Keys(t * 16, 16);
            model.Enqueue(keys);
            Assert.AreEqual((long)((t + 1) * 16 % QueueSize), model.QueuePointer, $"after {t + 1} enqueues");
        }
        Assert.AreEqual(12L, model.QueuePointer);
        var ids = ColumnIds(model);
        // key number g (0-based over all enqueued keys) sits in column g % 100; the last 12 of 112 overwrote columns 0-11
        for (int col = 0; col < QueueSize; col++)
        {
            int expected = col < 12 ? 100 + col : col;
            Assert.AreEqual(expected, ids[col], $"column {col}");
        }
    }

    [TestMethod]
    public void AnySequenceOfBatchSizes_KeepsTheNewest100Keys()
    {
        using var model = new GeoMoco(Options());
        var fifo = new List<int>();
        int next = 0;
        foreach (int n in new[] { 16, 16, 16, 16, 16, 16, 16, 130, 16, 37, 100, 99, 1, 250, 3 })
        {
            using var keys = Keys(next, n);
            model.Enqueue(keys);
            fifo.AddRange(Enumerable.Range(next, n));
            next += n;
            if (fifo.Count >= QueueSize) // before that, some columns still hold the random initial keys
            {
                var newest = fifo.Skip(fifo.Count - QueueSize).ToArray();
                var held = ColumnIds(model).OrderBy(i => i).ToArray();
                CollectionAssert.AreEqual(newest, held, $"after a batch of {n} ({fifo.Count} keys so far)");
            }
            Assert.IsTrue(model.QueuePointer is >= 0 and < QueueSize);
        }
    }

    [TestMethod]
    public void BatchLargerThanQueue_KeepsTheNewestK()
    {
        using var model = new GeoMoco(Options());
        using (var warm = Keys(0, 16)) model.Enqueue(warm);
        using (var big = Keys(1000, 130)) model.Enqueue(big);
        var ids = ColumnIds(model).OrderBy(i => i).ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(1030, 100).ToArray(), ids);
        // the next batch replaces the oldest of them (ids 1030-1045)
        using (var more = Keys(5000, 16)) model.Enqueue(more);
        var after = ColumnIds(model).OrderBy(i => i).ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(1046, 84).Concat(Enumerable.Range(5000, 16)).ToArray(), after);
    }

    [TestMethod]
    public void MomentumUpdate_MovesKeyParametersByExactlyOneMinusM()
    {
        using var model = new GeoMoco(Options());
        var pairs = model.named_parameters().Select(p => p.name).Where(n => n.StartsWith("encoder_q.") || n.StartsWith("head_q."))
            .Select(n => (Q: n, K: n.Replace("encoder_q.", "encoder_k.").Replace("head_q.", "head_k."))).ToList();
        Assert.IsGreaterThan(10, pairs.Count);
        var all = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (q, k) in pairs)
        {
            Assert.IsTrue(all.ContainsKey(k), $"no key parameter {k}");
            Assert.IsTrue(all[q].eq(all[k]).all().item<bool>(), $"{k} does not start as a copy of {q}");
            Assert.IsFalse(all[k].requires_grad, $"{k} should not require gradients");
        }
        var trainable = model.TrainableParameters().Select(p => p.Handle).ToHashSet();
        Assert.IsFalse(pairs.Any(p => trainable.Contains(all[p.K].Handle)), "key encoder parameters are trainable");
        Assert.AreEqual(pairs.Count, trainable.Count);

        // move the query side away, then one momentum step
        using (no_grad())
        {
            var gen = new Generator(7);
            foreach (var (q, _) in pairs) all[q].add_(randn(all[q].shape, generator: gen) * 0.1f);
        }
        var before = pairs.ToDictionary(p => p.K, p => all[p.K].detach().clone());
        var queries = pairs.ToDictionary(p => p.Q, p => all[p.Q].detach().clone());
        model.MomentumUpdate();
        double worst = 0, moved = 0;
        foreach (var (q, k) in pairs)
        {
            var expected = before[k] * 0.99 + queries[q] * 0.01;
            worst = Math.Max(worst, (all[k] - expected).abs().max().item<float>());
            moved = Math.Max(moved, (all[k] - before[k]).abs().max().item<float>());
            Assert.IsTrue(all[q].eq(queries[q]).all().item<bool>(), $"{q} changed during the momentum update");
        }
        Assert.IsLessThan(1e-6, worst, $"key = 0.99 key + 0.01 query is off by {worst:E2}");
        Assert.IsGreaterThan(1e-4, moved, "the key encoder did not move");
    }

    [TestMethod]
    public void ContrastiveLogits_PositiveFirstThenQueue_OverTemperature()
    {
        using var scope = NewDisposeScope();
        using var model = new GeoMoco(Options());
        var gen = new Generator(3);
        var q = F.normalize(randn(new long[] { 8, Dim }, generator: gen), dim: 1);
        var k = F.normalize(randn(new long[] { 8, Dim }, generator: gen), dim: 1);
        model.Enqueue(F.normalize(randn(new long[] { 40, Dim }, generator: gen), dim: 1));
        var logits = model.ContrastiveLogits(q, k);
        CollectionAssert.AreEqual(new long[] { 8, 1 + QueueSize }, logits.shape);
        var positive = (q * k).sum(1) / 0.2;
        Assert.IsLessThan(1e-5, (logits[.., 0] - positive).abs().max().item<float>());
        var negatives = q.matmul(model.QueueSnapshot()) / 0.2;
        Assert.IsLessThan(1e-5, (logits[.., 1..] - negatives).abs().max().item<float>());
        // cosine similarities over T = 0.2 lie in [-5, 5]
        Assert.IsLessThanOrEqualTo(5.0001f, logits.abs().max().item<float>());
    }

    [TestMethod]
    public void GeoOnlyModel_HasNoQueueOrKeyEncoder()
    {
        using var model = new GeoMoco(Options(contrastive: false, geoClasses: 8));
        Assert.IsFalse(model.state_dict().Keys.Any(k => k.StartsWith("encoder_k.") || k.StartsWith("head_k.") || k == "queue"));
        Assert.Throws<InvalidOperationException>(() => model.QueueSnapshot());
        Assert.Throws<InvalidOperationException>(() => model.MomentumUpdate());
        using var keys = Keys(0, 4);
        Assert.Throws<InvalidOperationException>(() => model.Enqueue(keys));
        using var x = zeros(4, Dim);
        using var geo = model.GeoLogits(x);
        CollectionAssert.AreEqual(new long[] { 4, 8 }, geo.shape);
        Assert.Throws<ArgumentException>(() => new GeoMoco(Options(contrastive: false, geoClasses: 0)));
    }
}
