using GeoSSL.Data.Scenes;

namespace GeoSSL.Data.Dense;

internal sealed partial class DenseScene
{
    /// <summary>
    /// A 2-class change scene of pixels that are already decoded: planar RGB samples [3, H, W] per date (0..255 floats, as
    /// image scenes hold them) and a mask [H, W] whose non-zero values are change. For rows of an ML.NET IDataView, whose
    /// pixels come from the same stock transforms the trained model applies. No georeferencing (lat/lon are NaN).
    /// </summary>
    /// <param name="maskSource">Where the mask came from (a file, or "row 3, column 'Mask'"), for messages.</param>
    internal static DenseScene FromRgbSamples(string name, IReadOnlyList<float[]> dates, int height, int width, ReadOnlySpan<byte> mask, string maskSource)
    {
        long plane = (long)height * width;
        if (mask.Length != plane) throw new ArgumentException($"Scene '{name}': the mask has {mask.Length} values, not {height}x{width}.", nameof(mask));
        var binary = new byte[plane];
        for (int i = 0; i < binary.Length; i++) binary[i] = (byte)(mask[i] != 0 ? 1 : 0);
        // Byte-valued only if every sample is a whole 0..255 value: the sampler then fills windows as bytes.
        bool bytes = dates.All(d => d.All(v => v is >= 0 and <= 255 && v == MathF.Floor(v)));
        var scene = new GeoScene(name, maskSource, ["R", "G", "B"], height, width, Enumerable.Repeat((DateTime?)null, dates.Count).ToList(),
            dates.ToArray(), UnknownGeoreference.Instance, bytes);
        return new DenseScene(scene, binary, 2, maskSource);
    }
}
