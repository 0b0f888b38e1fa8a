namespace GeoSSL.Core.Dense;

/// <summary>
/// Accumulates binary confusion counts of change maps per city (or any group key) and overall. Overall counts pool
/// every pixel (micro average), as OSCD results are usually reported; <see cref="BinaryConfusion"/> gives the ratios.
/// </summary>
internal sealed class ChangeMetrics
{
    private readonly Dictionary<string, BinaryConfusion> perCity = new(StringComparer.Ordinal);

    /// <summary>Counts by city.</summary>
    public IReadOnlyDictionary<string, BinaryConfusion> PerCity => perCity;

    /// <summary>Counts summed over all cities.</summary>
    public BinaryConfusion Overall { get; private set; }

    /// <summary>Adds a predicted mask and its truth (same length, one value per pixel; true = change).</summary>
    public void Add(string city, ReadOnlySpan<bool> predicted, ReadOnlySpan<bool> truth)
    {
        ArgumentNullException.ThrowIfNull(city);
        if (predicted.Length != truth.Length)
            throw new ArgumentException($"The prediction has {predicted.Length} pixels but the truth {truth.Length}.", nameof(truth));
        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            if (predicted[i]) { if (truth[i]) tp++; else fp++; }
            else if (truth[i]) fn++;
            else tn++;
        }
        Add(city, new BinaryConfusion(tp, fp, fn, tn));
    }

    /// <summary>
    /// Adds change probabilities thresholded at <paramref name="threshold"/> (a pixel is change when p &gt;= threshold)
    /// against a truth mask whose non-zero values mean change.
    /// </summary>
    public void Add(string city, ReadOnlySpan<float> changeProbability, ReadOnlySpan<byte> truth, float threshold = 0.5f)
    {
        if (changeProbability.Length != truth.Length)
            throw new ArgumentException($"The prediction has {changeProbability.Length} pixels but the truth {truth.Length}.", nameof(truth));
        var predicted = new bool[changeProbability.Length];
        var mask = new bool[truth.Length];
        for (int i = 0; i < predicted.Length; i++) { predicted[i] = changeProbability[i] >= threshold; mask[i] = truth[i] != 0; }
        Add(city, predicted, mask);
    }

    /// <summary>Adds counts computed elsewhere.</summary>
    public void Add(string city, BinaryConfusion counts)
    {
        ArgumentNullException.ThrowIfNull(city);
        perCity[city] = perCity.TryGetValue(city, out var c) ? c + counts : counts;
        Overall += counts;
    }
}
