using GeoSSL.Core.Engine;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Data.Images;
using GeoSSL.Data.Manifests;
using GeoSSL.Data.Records;
using GeoSSL.Data.Sampling;
using GeoSSL.Data.Streaming;
using GeoSSL.MLNet.Training;
using GeoSSL.Tests.Core;

namespace GeoSSL.Tests.Data;

[TestClass]
public sealed class StreamingTests
{
    private const int Size = 64;
    private const int ImageBytes = 3 * Size * Size;
    private static string SharedRgbFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-s2-rgb"));

    /// <summary>The first <paramref name="n"/> real tiles of the shared OSCD manifest (both dates of each location).</summary>
    private static List<GeoImageRecord> RealTiles(int n) => ManifestReader.Read(Path.Combine(SharedRgbFolder, "manifest.csv"),
        new ManifestColumns { Timestamp = "Date", ImageFolder = SharedRgbFolder }).Take(n).ToList();

    private static List<IReadOnlyList<int>> ShuffledBatches(int count, int batchSize, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order.Chunk(batchSize).Select(c => (IReadOnlyList<int>)c).ToList();
    }

    /// <summary>Fills a sample with bytes that identify its index, for tests that need no real images.</summary>
    private static void Fake(int index, Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = (byte)(index * 31 + i);
    }

    [TestMethod]
    public void Prefetcher_GivesTheBatchesOfSequentialDecoding_OfRealTiles()
    {
        var tiles = RealTiles(192);
        var batches = ShuffledBatches(tiles.Count, 16, seed: 3);
        void Decode(int i, Span<byte> d) => ImageDecoder.DecodeRgbPlanar(tiles[i].ImagePath, Size, Size, d, tiles[i].Row);
        using var reader = new PrefetchingBatchReader(batches, ImageBytes, Decode, new PrefetchOptions { Capacity = 3, Workers = 3 });
        var expected = new byte[16 * ImageBytes];
        int k = 0;
        while (reader.TryNext(out var batch))
        {
            Assert.AreEqual(k, batch.Number);
            CollectionAssert.AreEqual(batches[k].ToArray(), batch.Indices.ToArray());
            for (int j = 0; j < batch.Indices.Count; j++) Decode(batch.Indices[j], expected.AsSpan(j * ImageBytes, ImageBytes));
            Assert.IsTrue(batch.Bytes.Span.SequenceEqual(expected.AsSpan(0, batch.Indices.Count * ImageBytes)), $"batch {k}");
            k++;
        }
        Assert.AreEqual(batches.Count, k);
        Assert.IsLessThanOrEqualTo(3, reader.BuffersAllocated);
    }

    [TestMethod]
    [DataRow(2, 1)]
    [DataRow(3, 2)]
    [DataRow(4, 4)]
    public void Prefetcher_AllocatesAtMostCapacityBuffers_WhateverTheNumberOfBatches(int capacity, int workers)
    {
        var batches = ShuffledBatches(20_000, 32, seed: 1); // 625 batches
        using var reader = new PrefetchingBatchReader(batches, 256, Fake, new PrefetchOptions { Capacity = capacity, Workers = workers });
        var expected = new byte[256];
        int k = 0;
        while (reader.TryNext(out var batch))
        {
            if (k % 50 == 0) Thread.Sleep(5); // a slow step now and then: the workers must wait, not allocate
            for (int j = 0; j < batch.Indices.Count; j++)
            {
                Fake(batch.Indices[j], expected);
                Assert.IsTrue(batch.Bytes.Span.Slice(j * 256, 256).SequenceEqual(expected), $"batch {k} sample {j}");
            }
            k++;
        }
        Assert.AreEqual(625, k);
        Assert.IsLessThanOrEqualTo(capacity, reader.BuffersAllocated);
    }

    [TestMethod]
    public void Prefetcher_DecodeError_SurfacesAtTheBatchThatNeedsIt_NamingTheFile()
    {
        var tiles = RealTiles(64);
        var missing = Path.Combine(TestData.TempFolder("prefetch-missing"), "gone.png");
        tiles[37] = tiles[37] with { ImagePath = missing };
        var batches = Enumerable.Range(0, 64).Chunk(8).Select(c => (IReadOnlyList<int>)c).ToList(); // index 37 is in batch 4
        void Decode(int i, Span<byte> d) => ImageDecoder.DecodeRgbPlanar(tiles[i].ImagePath, Size, Size, d, tiles[i].Row);
        using var reader = new PrefetchingBatchReader(batches, ImageBytes, Decode, new PrefetchOptions { Capacity = 4, Workers = 2 });
        for (int k = 0; k < 4; k++) Assert.IsTrue(reader.TryNext(out _), $"batch {k} precedes the bad file");
        var e = Assert.ThrowsExactly<GeoDataException>(() => reader.TryNext(out _));
        Assert.AreEqual(missing, e.FilePath);
        Assert.AreEqual(37L, e.Row);
        StringAssert.Contains(e.Message, "gone.png");
        Assert.IsTrue(reader.TryNext(out var after), "later batches are still delivered");
        Assert.AreEqual(5, after.Number);
    }

    [TestMethod]
    public void Prefetcher_ReportsTheLowestFailingSampleOfABatch_WhateverTheThreadTiming()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            void Decode(int i, Span<byte> d)
            {
                if (i % 2 == 1) Thread.Sleep(i % 3); // vary which failure is met first
                if (i >= 3) throw new GeoDataException($"bad {i}", i, filePath: $"f{i}");
            }
            using var reader = new PrefetchingBatchReader(new[] { new[] { 0, 1, 2, 5, 4, 3 } }, 16, Decode, new PrefetchOptions { Workers = 4 });
            var e = Assert.ThrowsExactly<GeoDataException>(() => reader.TryNext(out _));
            Assert.AreEqual("f5", e.FilePath);
        }
    }

    [TestMethod]
    public void Prefetcher_Cancellation_StopsAWaitingConsumerAndTheWorkers()
    {
        static IEnumerable<IReadOnlyList<int>> Endless() { for (int k = 0; ; k++) yield return new[] { k }; }
        using var cts = new CancellationTokenSource();
        int decoded = 0;
        void Slow(int i, Span<byte> d) { Interlocked.Increment(ref decoded); Thread.Sleep(20); }
        var reader = new PrefetchingBatchReader(Endless(), 8, Slow, new PrefetchOptions { Capacity = 3, Workers = 2 }, cts.Token);
        Assert.IsTrue(reader.TryNext(out _));
        cts.CancelAfter(50);
        Assert.ThrowsExactly<OperationCanceledException>(() => { while (reader.TryNext(out _)) { } });
        var stop = System.Diagnostics.Stopwatch.StartNew();
        reader.Dispose();
        Assert.IsLessThan(2000, stop.ElapsedMilliseconds, "workers stop after their current sample");
        int after = decoded;
        Thread.Sleep(100);
        Assert.AreEqual(after, decoded, "no decoding after Dispose");
        Assert.ThrowsExactly<ObjectDisposedException>(() => reader.TryNext(out _));
    }

    [TestMethod]
    public void Prefetcher_Dispose_StopsWorkersThatAreAhead()
    {
        int decoded = 0;
        var reader = new PrefetchingBatchReader(ShuffledBatches(100_000, 10, 2), 8, (i, d) => Interlocked.Increment(ref decoded),
            new PrefetchOptions { Capacity = 3, Workers = 2 });
        Assert.IsTrue(reader.TryNext(out _));
        reader.Dispose();
        int after = decoded;
        Thread.Sleep(50);
        Assert.AreEqual(after, decoded);
        Assert.IsLessThanOrEqualTo(30, after, "never more than Capacity batches decoded ahead");
    }

    // ---- the streaming batch source ----------------------------------------------------------------------

    /// <summary>96 real tiles (48 locations, two dates each) with geo labels by city.</summary>
    private static (List<GeoImageRecord> Records, TemporalPairSampler Pairs, int[] Labels) Scene()
    {
        var records = RealTiles(96);
        var cities = records.Select(r => r.LocationId[..r.LocationId.IndexOf('_')]).Distinct().ToList();
        var labels = records.Select(r => cities.IndexOf(r.LocationId[..r.LocationId.IndexOf('_')])).ToArray();
        return (records, new TemporalPairSampler(records, useTemporalPositives: true), labels);
    }

    [TestMethod]
    public void StreamingSource_FillsTheBatchesOfTheInMemorySource_AndLeavesTheGeneratorInTheSameState()
    {
        var (records, pairs, labels) = Scene();
        var decoded = DecodedImageSet.FromFiles(records.Select(r => r.ImagePath).ToList(), Size, Size, records.Select(r => r.Row).ToList());
        var memory = new ImageBatchSource(decoded, pairs, labels);
        using var streaming = new StreamingImageBatchSource(records, pairs, labels, Size, Size, new PrefetchOptions { Capacity = 3, Workers = 2 });
        const int seed = 11, b = 16;
        long steps = records.Count / b;
        var (a1, a2, al) = (new byte[b * ImageBytes], new byte[b * ImageBytes], new long[b]);
        var (s1, s2, sl) = (new byte[b * ImageBytes], new byte[b * ImageBytes], new long[b]);
        // Two epochs as the loop runs them, the second resumed at step 2 (the plan then starts there).
        foreach (var (epoch, first) in new[] { (0, 0L), (1, 2L) })
        {
            var order = StepRandom.EpochOrder(seed, epoch, records.Count);
            streaming.PlanEpoch(new EpochPlan(epoch, order, b, first, steps, step => StepRandom.For(seed, epoch, step)));
            for (long step = first; step < steps; step++)
            {
                var anchors = order.AsSpan((int)(step * b), b);
                var rm = StepRandom.For(seed, epoch, step);
                var rs = StepRandom.For(seed, epoch, step);
                memory.FillBatch(anchors, rm, a1, a2, al);
                streaming.FillBatch(anchors, rs, s1, s2, sl);
                CollectionAssert.AreEqual(a1, s1, $"epoch {epoch} step {step} view 1");
                CollectionAssert.AreEqual(a2, s2, $"epoch {epoch} step {step} view 2");
                CollectionAssert.AreEqual(al, sl);
                Assert.AreEqual(rm.Next(), rs.Next(), "the augmentations after FillBatch draw the same numbers");
            }
        }
        Assert.AreEqual(0, streaming.UnplannedBatches);
    }

    [TestMethod]
    public void StreamingSource_WithoutAPlan_DecodesTheBatchItself()
    {
        var (records, pairs, labels) = Scene();
        using var streaming = new StreamingImageBatchSource(records, pairs, labels, Size, Size);
        var (v1, v2, l) = (new byte[4 * ImageBytes], new byte[4 * ImageBytes], new long[4]);
        streaming.FillBatch(new[] { 0, 5, 9, 2 }, new Random(1), v1, v2, l);
        var expected = new byte[ImageBytes];
        ImageDecoder.DecodeRgbPlanar(records[5].ImagePath, Size, Size, expected);
        CollectionAssert.AreEqual(expected, v1.AsSpan(ImageBytes, ImageBytes).ToArray());
        Assert.AreEqual(1, streaming.UnplannedBatches);
    }

    [TestMethod]
    public void StreamingSource_TrainsLikeTheInMemorySource_InThePretrainer()
    {
        bool? oneDnn = TrainingLoopTests.OneDnn.Set(false); // the BaseWidth-8 encoder trips oneDNN (see TrainingLoopTests)
        try
        {
            var reference = TestBatchSource.Oscd();
            var records = reference.Records;
            var config = new PretrainConfig
            {
                Variant = PretrainVariant.MoCoV2GeoTemporalPositives,
                Model = new MocoOptions
                {
                    Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, SmallInputStem = false },
                    QueueSize = 64, Momentum = 0.99, GeoClasses = reference.GeoClasses, Contrastive = true,
                },
                Augmentation = new AugmentationOptions { OutputSize = 32 },
                Epochs = 2, BatchSize = 32, LearningRate = 0.03, BatchNormGroups = 2, Seed = 5,
            };
            List<float> Losses(IPretrainBatchSource source)
            {
                using var trainer = new Pretrainer(config, "cpu");
                return trainer.Train(source, new TrainingRunOptions { Threads = 1 }).StepLosses.ToList();
            }
            var inMemory = Losses(reference);
            using var streaming = new StreamingImageBatchSource(records, reference.Pairs, reference.GeoLabels.ToArray(), Size, Size);
            var streamed = Losses(streaming);
            Assert.AreEqual(10, streamed.Count);
            CollectionAssert.AreEqual(inMemory, streamed, "same batches, same augmentations, same losses");
            Assert.AreEqual(0, streaming.UnplannedBatches, "every batch came from the prefetcher");
        }
        finally { if (oneDnn is bool before) TrainingLoopTests.OneDnn.Set(before); }
    }
}
