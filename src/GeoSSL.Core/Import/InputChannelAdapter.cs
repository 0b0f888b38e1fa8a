using static TorchSharp.torch;

namespace GeoSSL.Core.Import;

/// <summary>Which target channels hold red, green and blue (null: none matched), and how that was decided.</summary>
internal sealed record RgbBandMap(int Channels, int? Red, int? Green, int? Blue, string Description)
{
    /// <summary>True when all three of R, G and B were found among the bands.</summary>
    public bool HasRgb => Red is not null && Green is not null && Blue is not null;
}

/// <summary>
/// Turns RGB stem weights [W,3,k,k] into C-channel weights, as torchgeo's <c>reinit_initial_conv_layer</c> and the
/// SSL4EO/SeCo practice do: the channels holding R, G and B keep their filters, every other channel gets the mean of
/// the three, and all are scaled by 3/C. The scale keeps the summed filter (Σ over channels) that of the RGB network,
/// so a band-flat input (every channel the same image) gives the RGB network's activations on that gray image, and the
/// pretrained batch-norm statistics of conv1 still fit.
/// </summary>
internal static class InputChannelAdapter
{
    private static readonly string[] RedNames = ["B04", "B4", "R", "RED"];
    private static readonly string[] GreenNames = ["B03", "B3", "G", "GREEN"];
    private static readonly string[] BlueNames = ["B02", "B2", "B", "BLUE"];

    /// <summary>
    /// Finds R/G/B among <paramref name="bandNames"/> by Sentinel-2 name (B04/B03/B02) or by "R"/"G"/"B", "Red"/"Green"/"Blue"
    /// (case-insensitive). When not all three are found, no channel is mapped and every channel will get the mean filter.
    /// </summary>
    public static RgbBandMap Map(IReadOnlyList<string> bandNames)
    {
        ArgumentNullException.ThrowIfNull(bandNames);
        int? Find(string[] names, string colour)
        {
            var hits = Enumerable.Range(0, bandNames.Count)
                .Where(i => names.Contains(bandNames[i].Trim().ToUpperInvariant())).ToList();
            if (hits.Count > 1)
                throw new ArgumentException($"Bands [{string.Join(",", bandNames)}] name {colour} {hits.Count} times (channels {string.Join(",", hits)}); expected at most once.", nameof(bandNames));
            return hits.Count == 1 ? hits[0] : null;
        }
        int? r = Find(RedNames, "red"), g = Find(GreenNames, "green"), b = Find(BlueNames, "blue");
        string bands = $"[{string.Join(",", bandNames)}]";
        if (r is null || g is null || b is null)
            return new RgbBandMap(bandNames.Count, null, null, null,
                $"bands {bands}: red/green/blue not all found (B04/B03/B02 or R/G/B); every channel starts from the mean of the RGB filters, scaled by 3/{bandNames.Count}.");
        return new RgbBandMap(bandNames.Count, r, g, b,
            $"bands {bands}: R = {bandNames[r.Value]} (channel {r}), G = {bandNames[g.Value]} (channel {g}), B = {bandNames[b.Value]} (channel {b}) " +
            $"keep the RGB filters; the other {bandNames.Count - 3} start from their mean; all scaled by 3/{bandNames.Count}.");
    }

    /// <summary>A map with no RGB channels, for when band names are not known: every channel gets the mean filter.</summary>
    public static RgbBandMap Unnamed(int channels) =>
        new(channels, null, null, null, $"{channels} unnamed channels: every channel starts from the mean of the RGB filters, scaled by 3/{channels}.");

    /// <summary>
    /// C-channel weights from RGB ones; <paramref name="rgb"/> is [W,3,k,k] in R,G,B order (flip BGR sources first).
    /// <paramref name="source"/> names the file in errors.
    /// </summary>
    public static Tensor Adapt(Tensor rgb, RgbBandMap map, string source)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(map);
        if (rgb.dim() != 4 || rgb.shape[1] != 3)
            throw new InvalidDataException($"'{source}': conv1 is [{string.Join(",", rgb.shape)}]; expected RGB weights [W,3,k,k] to adapt to {map.Channels} channels.");
        if (map.Channels < 1) throw new ArgumentOutOfRangeException(nameof(map), map.Channels, "Need at least one target channel.");
        using var scope = NewDisposeScope();
        var mean = rgb.mean([1], keepdim: true);
        var columns = new Tensor[map.Channels];
        for (int c = 0; c < map.Channels; c++)
            columns[c] = c == map.Red ? rgb.narrow(1, 0, 1) : c == map.Green ? rgb.narrow(1, 1, 1) : c == map.Blue ? rgb.narrow(1, 2, 1) : mean;
        return (cat(columns, 1) * (3.0 / map.Channels)).MoveToOuterDisposeScope();
    }
}
