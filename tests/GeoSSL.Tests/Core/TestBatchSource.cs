using GeoSSL.Core.Training;
using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using GeoSSL.Data.Sampling;

namespace GeoSSL.Tests.Core;

/// <summary>
/// A plain <see cref="IPretrainBatchSource"/> over real decoded OSCD tiles for the Core tests: views come from
/// <see cref="DecodedImageSet"/>, positives from <see cref="TemporalPairSampler"/>, and the geo label of an image
/// is the index of its city (8 cities, so 8 well-separated geo classes).
/// </summary>
internal sealed class TestBatchSource : IPretrainBatchSource
{
    private readonly DecodedImageSet images;
    private readonly TemporalPairSampler pairs;
    private readonly int[] geoLabels;

    public TestBatchSource(IReadOnlyList<GeoImageRecord> records, DecodedImageSet images, bool temporalPositives)
    {
        if (records.Count != images.Count) throw new ArgumentException("One decoded image per record is needed.");
        Records = records;
        this.images = images;
        pairs = new TemporalPairSampler(records, temporalPositives);
        var cities = records.Select(CityOf).Distinct().ToList();
        geoLabels = records.Select(r => cities.IndexOf(CityOf(r))).ToArray();
        GeoClasses = cities.Count;
    }

    public IReadOnlyList<GeoImageRecord> Records { get; }
    public int GeoClasses { get; }
    public IReadOnlyList<int> GeoLabels => geoLabels;
    public TemporalPairSampler Pairs => pairs;

    public int Count => images.Count;
    public int Channels => images.Channels;
    public int Height => images.Height;
    public int Width => images.Width;

    /// <summary>Counts FillBatch calls (one per training step).</summary>
    public int Batches { get; private set; }

    public void FillBatch(ReadOnlySpan<int> anchors, Random rng, Span<byte> view1, Span<byte> view2, Span<long> labels)
    {
        Batches++;
        int size = images.ImageBytes;
        for (int i = 0; i < anchors.Length; i++)
        {
            int a = anchors[i];
            images.Image(a).CopyTo(view1.Slice(i * size, size));
            images.Image(pairs.PositiveFor(a, rng)).CopyTo(view2.Slice(i * size, size));
            labels[i] = geoLabels[a];
        }
    }

    public static string CityOf(GeoImageRecord r) => r.LocationId[..r.LocationId.IndexOf('_')];

    private static readonly Lazy<(List<GeoImageRecord> Records, DecodedImageSet Images)> Subset = new(() =>
    {
        // the first 10 locations (both dates) of each of the 8 cities: 160 images, 80 locations, rows re-numbered
        var all = TestData.OscdRecords();
        var chosen = all.GroupBy(CityOf)
            .SelectMany(city => city.GroupBy(r => r.LocationId).Take(10).SelectMany(g => g))
            .Select((r, i) => r with { Row = i })
            .ToList();
        var decoded = DecodedImageSet.FromFiles(chosen.Select(r => r.ImagePath).ToList(), 64, 64, chosen.Select(r => r.Row).ToList());
        return (chosen, decoded);
    });

    /// <summary>160 real 64x64 tiles (10 locations x 2 dates x 8 cities), decoded once per test run.</summary>
    public static TestBatchSource Oscd(bool temporalPositives = true)
    {
        var (records, images) = Subset.Value;
        return new TestBatchSource(records, images, temporalPositives);
    }
}
