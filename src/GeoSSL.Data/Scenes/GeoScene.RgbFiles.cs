using GeoSSL.Data.Images;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Scenes;

internal sealed partial class GeoScene
{
    /// <summary>
    /// A scene from plain RGB image files, one per date, that must already be co-registered on one grid (same size; no
    /// resizing, which would break the co-registration). No georeferencing: lat/lon are NaN. Used by the dense loaders
    /// for user data; decoding goes through <see cref="ImageDecoder"/> like every other image in the library.
    /// </summary>
    internal static GeoScene FromRgbFiles(string name, IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new ArgumentException("Need at least one image file.", nameof(paths));
        var full = paths.Select(Path.GetFullPath).ToArray();
        var (w, h) = ImageDecoder.ReadSize(full[0]);
        var samples = new float[full.Length][];
        for (int d = 0; d < full.Length; d++)
        {
            var (wd, hd) = d == 0 ? (w, h) : ImageDecoder.ReadSize(full[d]);
            if (wd != w || hd != h)
                throw new GeoDataException($"Scene '{name}': '{full[d]}' is {wd}x{hd} px but '{full[0]}' is {w}x{h}; the dates must be co-registered on one grid.",
                    filePath: full[d]);
            var bytes = new byte[ImageDecoder.Channels * w * h];
            ImageDecoder.DecodeRgbPlanar(full[d], h, w, bytes);
            samples[d] = SceneSamples.ToFloats(bytes);
        }
        var folder = Path.GetDirectoryName(full[0]) ?? "";
        return new GeoScene(name, folder, ["R", "G", "B"], h, w, Enumerable.Repeat((DateTime?)null, full.Length).ToList(), samples,
            UnknownGeoreference.Instance, isByteValued: true);
    }
}
