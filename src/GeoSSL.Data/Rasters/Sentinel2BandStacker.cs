namespace GeoSSL.Data.Rasters;

/// <summary>
/// Stacks per-band Sentinel-2 files into one [C,H,W] float buffer on the grid of the folder's finest band (10 m),
/// resampling coarser (20/60 m) bands bilinearly by georeferenced position.
/// </summary>
internal static class Sentinel2BandStacker
{
    /// <summary>Stacks <paramref name="bands"/> (e.g. "B02,B03,B04,B08" or "all") from <paramref name="folder"/>.</summary>
    public static BandStack Stack(string folder, string bands) => Stack(folder, Sentinel2BandFiles.ParseBands(bands));

    public static BandStack Stack(string folder, IReadOnlyList<string> bands)
    {
        var files = Sentinel2BandFiles.Find(folder);
        if (files.Count == 0) throw new InvalidDataException($"Folder '{Path.GetFullPath(folder)}' has no Sentinel-2 band files (names ending _B02.tif etc.).");
        var missing = bands.Where(b => !files.ContainsKey(b)).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"Folder '{Path.GetFullPath(folder)}' has no file for band(s) {string.Join(", ", missing)}; it has {string.Join(",", files.Keys.Order())}.");

        // The target grid is the finest band in the folder, not among the chosen ones, so a stack's shape does not depend on the selection.
        var infos = files.ToDictionary(f => f.Key, f => GeoTiffReader.ReadInfo(f.Value), StringComparer.OrdinalIgnoreCase);
        foreach (var info in infos.Values)
        {
            if (info.Transform is null) throw new InvalidDataException($"'{info.Path}' has no georeferencing; bands cannot be aligned without it.");
            if (info.BandCount != 1) throw new InvalidDataException($"'{info.Path}' has {info.BandCount} bands; expected one band per file.");
        }
        var grid = infos.Values.OrderBy(i => Math.Abs(i.Transform!.PixelWidth)).ThenBy(i => i.Path, StringComparer.Ordinal).First();
        var crsMismatch = infos.Values.FirstOrDefault(i => i.EpsgCode != grid.EpsgCode);
        if (crsMismatch is not null)
            throw new InvalidDataException($"'{crsMismatch.Path}' is in EPSG:{crsMismatch.EpsgCode}, '{grid.Path}' in EPSG:{grid.EpsgCode}; expected one coordinate system for all bands.");

        int width = grid.Width, height = grid.Height, plane = width * height;
        var data = new float[checked(bands.Count * plane)];
        for (int c = 0; c < bands.Count; c++)
        {
            using var reader = GeoTiffReader.Open(files[bands[c]]);
            var source = reader.ReadBand(0);
            var target = data.AsSpan(c * plane, plane);
            if (SameGrid(reader.Info, grid)) source.CopyTo(target);
            else BilinearResampler.Resample(source, reader.Info, target, grid);
        }
        return new BandStack(data, bands.Count, height, width, bands.ToList(), grid.Transform!, grid.EpsgCode);
    }

    private static bool SameGrid(GeoTiffInfo a, GeoTiffInfo b) => a.Width == b.Width && a.Height == b.Height && a.Transform == b.Transform;
}
