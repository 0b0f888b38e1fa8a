using GeoSSL.Core.Training;
using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using GeoSSL.Data.Sampling;
using GeoSSL.Data.Streaming;

namespace GeoSSL.MLNet.Training;

/// <summary>
/// A batch source that decodes images from their files while training runs, instead of holding every image decoded
/// (<see cref="ImageBatchSource"/>): memory is a few batches whatever the manifest's length. The epoch plan gives it each
/// step's anchors and the generator FillBatch will receive, from which it draws the positives in FillBatch's order; so it
/// decodes anchor and positive of the coming steps ahead, and feeds the loop exactly the batches the in-memory source would.
/// </summary>
internal sealed class StreamingImageBatchSource : IPretrainBatchSource, IDisposable
{
    private readonly IReadOnlyList<GeoImageRecord> records;
    private readonly TemporalPairSampler pairs;
    private readonly int[] geoLabels;
    private readonly PrefetchOptions? prefetch;
    private readonly CancellationToken cancellation;
    private PrefetchingBatchReader? reader;

    public StreamingImageBatchSource(IReadOnlyList<GeoImageRecord> records, TemporalPairSampler pairs, int[] geoLabels, int height, int width,
        PrefetchOptions? prefetch = null, CancellationToken cancellationToken = default)
    {
        if (records.Count != geoLabels.Length) throw new ArgumentException("One geo label per image is needed.", nameof(geoLabels));
        this.records = records;
        this.pairs = pairs;
        this.geoLabels = geoLabels;
        Height = height;
        Width = width;
        this.prefetch = prefetch;
        cancellation = cancellationToken;
    }

    public int Count => records.Count;
    public int Channels => ImageDecoder.Channels;
    public int Height { get; }
    public int Width { get; }
    private int ImageBytes => Channels * Height * Width;

    /// <summary>Batches FillBatch decoded itself because they were not the planned ones (0 in a planned run).</summary>
    public int UnplannedBatches { get; private set; }

    public void PlanEpoch(EpochPlan plan)
    {
        reader?.Dispose();
        reader = new PrefetchingBatchReader(Steps(plan), ImageBytes, Decode, prefetch, cancellation);
    }

    /// <summary>Each planned step as one batch: its anchors, then their positives (drawn as <see cref="FillBatch"/> will draw them).</summary>
    private IEnumerable<IReadOnlyList<int>> Steps(EpochPlan plan)
    {
        for (long step = plan.FirstStep; step < plan.StepCount; step++)
        {
            var anchors = plan.Anchors(step);
            var rng = plan.StepRandom(step);
            var batch = new int[2 * anchors.Length];
            anchors.CopyTo(batch, 0);
            for (int i = 0; i < anchors.Length; i++) batch[anchors.Length + i] = pairs.PositiveFor(anchors[i], rng);
            yield return batch;
        }
    }

    private void Decode(int index, Span<byte> destination) =>
        ImageDecoder.DecodeRgbPlanar(records[index].ImagePath, Height, Width, destination, records[index].Row);

    public void FillBatch(ReadOnlySpan<int> anchors, Random rng, Span<byte> view1, Span<byte> view2, Span<long> labels)
    {
        int n = anchors.Length, size = ImageBytes;
        // Positives are drawn here exactly as the in-memory source draws them, so the loop's generator is left in the same state.
        var positives = new int[n];
        for (int i = 0; i < n; i++)
        {
            positives[i] = pairs.PositiveFor(anchors[i], rng);
            labels[i] = geoLabels[anchors[i]];
        }
        if (reader is not null && reader.TryNext(out var batch) && Matches(batch.Indices, anchors, positives))
        {
            batch.Bytes.Span[..(n * size)].CopyTo(view1);
            batch.Bytes.Span[(n * size)..].CopyTo(view2);
            return;
        }
        // Not what was planned (no plan, or a caller outside the loop's order): the plan is void, decode this batch here.
        reader?.Dispose();
        reader = null;
        UnplannedBatches++;
        for (int i = 0; i < n; i++)
        {
            Decode(anchors[i], view1.Slice(i * size, size));
            Decode(positives[i], view2.Slice(i * size, size));
        }
    }

    private static bool Matches(IReadOnlyList<int> planned, ReadOnlySpan<int> anchors, int[] positives)
    {
        if (planned.Count != 2 * anchors.Length) return false;
        for (int i = 0; i < anchors.Length; i++)
            if (planned[i] != anchors[i] || planned[anchors.Length + i] != positives[i]) return false;
        return true;
    }

    public void Dispose()
    {
        reader?.Dispose();
        reader = null;
    }
}
