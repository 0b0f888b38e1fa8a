using GeoSSL.Data.Images;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Scenes;

internal sealed partial class GeoScene
{
    /// <summary>Nominal Sentinel-2 ground sampling of the OSCD PNGs, used for their approximate georeferencing.</summary>
    public const double OscdMetresPerPixel = 10.0;

    /// <summary>
    /// Loads the OSCD change cities (folder with manifest.csv and per city t1.png, t2.png): bands R, G, B as 0..255,
    /// dates Date1/Date2 from the manifest. The PNGs carry no georeferencing, so lat/lon is an approximate north-up mapping
    /// (10 m/px around the manifest's city centre; see <see cref="GeoreferenceDescription"/>; off by up to ~30 % of the distance
    /// to the centre, a few hundred metres at the scene edges).
    /// </summary>
    /// <param name="cities">Only these cities (case-insensitive), in manifest order; null or empty = all.</param>
    /// <exception cref="GeoDataException">Missing manifest or image, malformed manifest row, PNG size not the manifest's
    /// or differing between dates, or a filtered city that is not in the manifest; the message names the file or city.</exception>
    public static IReadOnlyList<GeoScene> FromOscdChange(string folder, IEnumerable<string>? cities = null)
    {
        var manifestPath = Path.Combine(Path.GetFullPath(folder), "manifest.csv");
        var rows = OscdChangeManifest.Read(manifestPath);
        var wanted = cities?.ToList();
        if (wanted is { Count: > 0 })
        {
            var unknown = wanted.Where(c => !rows.Any(r => r.City.Equals(c, StringComparison.OrdinalIgnoreCase))).ToList();
            if (unknown.Count > 0)
                throw new GeoDataException($"City/cities {string.Join(", ", unknown)} not in '{manifestPath}'; it has {string.Join(", ", rows.Select(r => r.City))}.",
                    column: "City", filePath: manifestPath);
            rows = rows.Where(r => wanted.Contains(r.City, StringComparer.OrdinalIgnoreCase)).ToList();
        }
        return rows.Select(r => LoadOscdCity(Path.GetDirectoryName(manifestPath)!, manifestPath, r)).ToList();
    }

    private static GeoScene LoadOscdCity(string folder, string manifestPath, OscdChangeCity city)
    {
        var cityFolder = Path.Combine(folder, city.City);
        var paths = new[] { Path.Combine(cityFolder, "t1.png"), Path.Combine(cityFolder, "t2.png") };
        foreach (var p in paths)
            if (!File.Exists(p)) throw new GeoDataException($"City '{city.City}' (row {city.Row} of '{manifestPath}'): image '{p}' does not exist.", city.Row, filePath: p);
        var samples = new float[paths.Length][];
        for (int d = 0; d < paths.Length; d++)
        {
            var (w, h) = ImageDecoder.ReadSize(paths[d], city.Row);
            // Both dates must already be on one grid: resizing one of them would silently break the co-registration.
            if (w != city.Width || h != city.Height)
                throw new GeoDataException($"City '{city.City}': '{paths[d]}' is {w}x{h} px but the manifest (row {city.Row}) says {city.Width}x{city.Height}; " +
                    "the dates must be co-registered on one grid.", city.Row, filePath: paths[d]);
            var bytes = new byte[ImageDecoder.Channels * w * h];
            ImageDecoder.DecodeRgbPlanar(paths[d], h, w, bytes, city.Row);
            samples[d] = SceneSamples.ToFloats(bytes);
        }
        var georeference = new LocalNorthUpGeoreference(city.Latitude, city.Longitude, city.Width, city.Height, OscdMetresPerPixel);
        return new GeoScene(city.City, cityFolder, ["R", "G", "B"], city.Height, city.Width, [city.Date1, city.Date2], samples, georeference, isByteValued: true);
    }
}
