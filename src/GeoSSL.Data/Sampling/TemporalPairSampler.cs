using GeoSSL.Data.Records;

namespace GeoSSL.Data.Sampling;

/// <summary>
/// Groups images by location and picks the positive for each anchor. With temporal positives the positive is
/// another image of the same location, preferring a different date; a location with a single image falls back
/// to that image (two augmentations of it, as plain MoCo). Without temporal positives it is the anchor itself.
/// </summary>
internal sealed class TemporalPairSampler
{
    private readonly int[][] viewsOfLocation;
    private readonly int[] locationOfImage;
    private readonly DateTime?[] timestamps;

    public bool UseTemporalPositives { get; }
    /// <summary>Allow the positive to be the anchor itself even when other dates exist (the paper samples two dates independently).</summary>
    public bool AllowSameImage { get; }
    public int LocationCount => viewsOfLocation.Length;
    public IReadOnlyList<string> LocationIds { get; }

    public TemporalPairSampler(IReadOnlyList<GeoImageRecord> records, bool useTemporalPositives, bool allowSameImage = false)
    {
        UseTemporalPositives = useTemporalPositives;
        AllowSameImage = allowSameImage;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<List<int>>();
        locationOfImage = new int[records.Count];
        timestamps = records.Select(r => r.Timestamp).ToArray();
        for (int i = 0; i < records.Count; i++)
        {
            if (!index.TryGetValue(records[i].LocationId, out int loc))
            {
                loc = groups.Count;
                index.Add(records[i].LocationId, loc);
                groups.Add(new List<int>());
            }
            groups[loc].Add(i);
            locationOfImage[i] = loc;
        }
        viewsOfLocation = groups.Select(g => g.ToArray()).ToArray();
        LocationIds = index.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();
    }

    /// <summary>0-based location of an image (order of first appearance).</summary>
    public int LocationOf(int image) => locationOfImage[image];

    public IReadOnlyList<int> ViewsOf(int location) => viewsOfLocation[location];

    /// <summary>The image paired with <paramref name="anchor"/> as its positive.</summary>
    public int PositiveFor(int anchor, Random rng)
    {
        if (!UseTemporalPositives) return anchor;
        var views = viewsOfLocation[locationOfImage[anchor]];
        if (views.Length == 1) return anchor;
        if (AllowSameImage) return views[rng.Next(views.Length)];
        // prefer views acquired on another date; equal timestamps count as the same acquisition
        var stamp = timestamps[anchor];
        int candidates = 0;
        foreach (var v in views) if (v != anchor && (stamp is null || timestamps[v] != stamp)) candidates++;
        if (candidates == 0)
        {
            foreach (var v in views) if (v != anchor) candidates++;
            int k = rng.Next(candidates);
            foreach (var v in views) if (v != anchor && k-- == 0) return v;
        }
        int pick = rng.Next(candidates);
        foreach (var v in views)
            if (v != anchor && (stamp is null || timestamps[v] != stamp) && pick-- == 0) return v;
        return anchor;
    }
}
