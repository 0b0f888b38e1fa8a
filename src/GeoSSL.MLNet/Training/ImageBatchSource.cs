using GeoSSL.Core.Training;
using GeoSSL.Data.Images;
using GeoSSL.Data.Sampling;

namespace GeoSSL.MLNet.Training;

/// <summary>Joins the data layer (decoded images, temporal pairs, geo labels) to the training loop's batch interface.</summary>
internal sealed class ImageBatchSource : IPretrainBatchSource
{
    private readonly DecodedImageSet images;
    private readonly TemporalPairSampler pairs;
    private readonly int[] geoLabels;

    public ImageBatchSource(DecodedImageSet images, TemporalPairSampler pairs, int[] geoLabels)
    {
        if (images.Count != geoLabels.Length) throw new ArgumentException("One geo label per image is needed.", nameof(geoLabels));
        this.images = images;
        this.pairs = pairs;
        this.geoLabels = geoLabels;
    }

    public int Count => images.Count;
    public int Channels => images.Channels;
    public GeoSSL.Data.Input.SampleType SampleType => images.StoredAs;
    public int Height => images.Height;
    public int Width => images.Width;

    public void FillBatch(ReadOnlySpan<int> anchors, Random rng, Span<byte> view1, Span<byte> view2, Span<long> labels)
    {
        int size = images.ImageBytes;
        for (int i = 0; i < anchors.Length; i++)
        {
            int a = anchors[i];
            images.Image(a).CopyTo(view1.Slice(i * size, size));
            images.Image(pairs.PositiveFor(a, rng)).CopyTo(view2.Slice(i * size, size));
            labels[i] = geoLabels[a];
        }
    }
}
