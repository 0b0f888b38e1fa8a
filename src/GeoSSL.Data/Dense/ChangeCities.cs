using GeoSSL.Data.Input;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Dense;

/// <summary>
/// Change-detection cities from a folder, in either layout the project reads: the OSCD change layout (a manifest.csv with one
/// folder per city holding t1.png, t2.png and change.png) or Sentinel-2 cities as released (imgs_1/, imgs_2/, dates.txt,
/// &lt;city&gt;-cm.tif). Also what a run needs around them: the input contract for training and RGB previews for overlays.
/// Shared by the sample's and the tool's detect-changes verbs.
/// </summary>
internal static class ChangeCities
{
    /// <summary>The Sentinel-2 bands read when none are asked for: the 10 m bands.</summary>
    public const string DefaultSentinel2Bands = "B02,B03,B04,B08";

    /// <param name="names">Cities to load (case-insensitive); null for all.</param>
    /// <param name="sentinel2Bands">Bands of Sentinel-2 city folders, comma-separated (ignored for the OSCD RGB layout).</param>
    public static IReadOnlyList<DenseScene> Load(string folder, IReadOnlyList<string>? names, string sentinel2Bands = DefaultSentinel2Bands)
    {
        if (File.Exists(Path.Combine(folder, "manifest.csv"))) return DenseScene.FromOscdChange(folder, names);
        if (!Directory.Exists(folder)) throw new GeoDataException($"Cities folder '{folder}' does not exist.", filePath: folder);
        var dirs = Directory.GetDirectories(folder).Where(d => Directory.Exists(Path.Combine(d, "imgs_1"))).OrderBy(d => d, StringComparer.Ordinal)
            .Where(d => names is null || names.Contains(Path.GetFileName(d), StringComparer.OrdinalIgnoreCase)).ToList();
        if (dirs.Count == 0) throw new GeoDataException($"'{folder}' has neither a manifest.csv (OSCD change layout) nor Sentinel-2 city folders with imgs_1/.", filePath: folder);
        return dirs.Select(d => DenseScene.FromSentinel2Change(d, sentinel2Bands)).ToList();
    }

    /// <summary>
    /// The input contract of a change model trained on <paramref name="train"/>: RGB 0..255 with ImageNet statistics; other bands
    /// as reflectance (÷ 10000) with per-band statistics of the training cities' first dates.
    /// </summary>
    public static ImageInputSpec InputFor(IReadOnlyList<DenseScene> train, int window)
    {
        var bands = train[0].Scene.Bands;
        if (bands.SequenceEqual(ImageInputSpec.RgbBands)) return ImageInputSpec.Rgb(window) with { SampleType = SampleType.Float32 };
        var stats = BandStatistics.Compute(train.Select(c => c.Scene.Samples(0).ToArray().Select(v => v / 10000f).ToArray()), bands.Count);
        var mu = stats.Mean.Select(m => (float)m).ToArray();
        var sd = stats.Std.Select(s => (float)Math.Max(s, 1e-6)).ToArray();
        return ImageInputSpec.Multispectral(bands.ToList(), window, mu, sd, SampleType.Float32);
    }

    /// <summary>A city's two dates as RGB planes (0..255) for overlay panels: RGB scenes as they are, Sentinel-2 B04/B03/B02 stretched.</summary>
    public static (float[] T1, float[] T2) RgbPlanes(DenseScene city)
    {
        var bands = city.Scene.Bands;
        if (bands.SequenceEqual(ImageInputSpec.RgbBands)) return (city.Scene.Samples(0).ToArray(), city.Scene.Samples(1).ToArray());
        int plane = city.Height * city.Width;
        float[] Planes(int date)
        {
            var samples = city.Scene.Samples(date).Span;
            var rgb = new float[3 * plane];
            string[] order = ["B04", "B03", "B02"];
            for (int c = 0; c < 3; c++)
            {
                int b = bands.ToList().IndexOf(order[c]);
                if (b < 0) b = Math.Min(c, bands.Count - 1);
                for (int i = 0; i < plane; i++) rgb[c * plane + i] = Math.Clamp(samples[b * plane + i] / 3000f * 255f, 0f, 255f); // ~0.3 reflectance = white
            }
            return rgb;
        }
        return (Planes(0), Planes(1));
    }
}
