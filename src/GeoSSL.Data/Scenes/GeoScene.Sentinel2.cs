using GeoSSL.Data.Rasters;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Scenes;

internal sealed partial class GeoScene
{
    /// <summary>
    /// Loads an OSCD Sentinel-2 city folder (imgs_1, imgs_2, ... with one GeoTIFF per band, and dates.txt): each date's
    /// <paramref name="bands"/> ("B02,B03,B04,B08" or "all") stacked on its 10 m grid as uint16 reflectance x 10000 in floats,
    /// lat/lon from the GeoTIFF georeferencing. Should the dates' grids differ in size (same pixel size, whole-pixel
    /// offset), the scene is their common extent.
    /// </summary>
    /// <exception cref="GeoDataException">Missing folder, imgs_k folder, band file or dates.txt; grids that do not line up;
    /// no overlap; the message names the folder or file.</exception>
    public static GeoScene FromSentinel2(string cityFolder, string bands) => FromSentinel2(cityFolder, Sentinel2BandFiles.ParseBands(bands));

    /// <inheritdoc cref="FromSentinel2(string, string)"/>
    public static GeoScene FromSentinel2(string cityFolder, IReadOnlyList<string> bands)
    {
        var folder = Path.GetFullPath(cityFolder);
        if (!Directory.Exists(folder)) throw new GeoDataException($"Sentinel-2 city folder '{folder}' does not exist.", filePath: folder);
        var dates = Sentinel2Dates.Read(Path.Combine(folder, "dates.txt"));
        var stacks = new BandStack[dates.Count];
        for (int d = 0; d < dates.Count; d++)
        {
            var imgs = Path.Combine(folder, $"imgs_{d + 1}");
            if (!Directory.Exists(imgs))
                throw new GeoDataException($"Scene '{folder}': dates.txt lists date_{d + 1} but folder '{imgs}' does not exist.", filePath: imgs);
            try { stacks[d] = Sentinel2BandStacker.Stack(imgs, bands); }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
            {
                throw new GeoDataException($"Scene '{folder}', date {d + 1}: {e.Message}", filePath: imgs, inner: e);
            }
        }
        var grid = Sentinel2CommonGrid.Find(folder, stacks);
        var epsg = stacks[0].EpsgCode ?? throw new GeoDataException($"Scene '{folder}': the band files name no EPSG code; lat/lon cannot be derived.", filePath: folder);
        MapProjection projection;
        try { projection = MapProjection.FromEpsg(epsg); }
        catch (NotSupportedException e) { throw new GeoDataException($"Scene '{folder}': {e.Message}", filePath: folder, inner: e); }
        var samples = stacks.Select((s, d) => grid.Crop(s, d)).ToArray();
        return new GeoScene(Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar)), folder, stacks[0].Bands.ToList(), grid.Height, grid.Width,
            dates.Select(d => (DateTime?)d).ToList(), samples, new MapGeoreference(grid.Transform, projection), isByteValued: false);
    }
}
