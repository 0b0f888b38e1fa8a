using GeoSSL.Data.Input;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Rasters;

/// <summary>One raster read as planar raw samples at an encoder's input size, with where its centre is.</summary>
/// <param name="Samples">[Bands, Size, Size] raw values (uint16 reflectance stays as its integer value).</param>
/// <param name="Latitude">Centre latitude (NaN when the file has no georeferencing).</param>
internal sealed record RasterTensor(float[] Samples, IReadOnlyList<string> Bands, int Size, double Latitude, double Longitude, int SourceWidth, int SourceHeight);

/// <summary>
/// Reads a whole raster into the tensor an encoder takes: a multi-band GeoTIFF (its bands, optionally named), or a folder of
/// Sentinel-2 per-band GeoTIFFs stacked on the 10 m grid (bands chosen by name), then brought to a square with the spec's
/// <see cref="ResizeMode"/>. The one reader behind <c>mlContext.Data.LoadGeoTiffs</c>; scenes for pretraining are windowed instead.
/// </summary>
internal static class RasterTensorReader
{
    /// <param name="path">A .tif/.tiff file, or a folder of Sentinel-2 band files (*_B02.tif, ...).</param>
    /// <param name="bands">For a file: names for its bands in order (null: band1..bandN). For a folder: the bands to stack (null: B02,B03,B04,B08).</param>
    /// <exception cref="GeoDataException">Unreadable file or folder, a band count that does not match, or no-data samples; the message names the file.</exception>
    public static RasterTensor Read(string path, IReadOnlyList<string>? bands, int size, ResizeMode resize = ResizeMode.CenterCrop, long? row = null)
    {
        if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), size, "Rasters are read at 8 pixels or more.");
        string prefix = row is null ? "" : $"Row {row}: ";
        float[] data; int channels, height, width; IReadOnlyList<string> names; double lat = double.NaN, lon = double.NaN;
        if (Directory.Exists(path))
        {
            var stack = Sentinel2BandStacker.Stack(path, bands ?? ["B02", "B03", "B04", "B08"]);
            (data, channels, height, width, names) = (stack.Data, stack.Channels, stack.Height, stack.Width, stack.Bands);
            if (stack.EpsgCode is { } epsg)
            {
                var (x, y) = stack.Transform.PixelToMap(width / 2.0, height / 2.0);
                (lon, lat) = MapProjection.FromEpsg(epsg).ToLonLat(x, y);
            }
        }
        else
        {
            if (!File.Exists(path)) throw new GeoDataException($"{prefix}raster '{path}' does not exist (a GeoTIFF file or a folder of Sentinel-2 band files).", row, filePath: path);
            GeoTiffReader reader;
            try { reader = GeoTiffReader.Open(path); }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
            {
                throw new GeoDataException($"{prefix}raster '{path}' cannot be read as a GeoTIFF: {e.Message}", row, filePath: path, inner: e);
            }
            using var _ = reader;
            var info = reader.Info;
            (channels, height, width) = (info.BandCount, info.Height, info.Width);
            names = bands ?? Enumerable.Range(1, channels).Select(i => $"band{i}").ToArray();
            if (names.Count != channels)
                throw new GeoDataException($"{prefix}raster '{path}' has {channels} bands; {names.Count} band names were given ({string.Join(",", names)}).", row, filePath: path);
            data = new float[(long)channels * height * width];
            for (int c = 0; c < channels; c++) reader.ReadWindow(c, 0, 0, width, height, data.AsSpan(c * height * width, height * width));
            if (info.Transform is not null && info.EpsgCode is not null) (lon, lat) = info.PixelToLonLat(width / 2.0, height / 2.0);
        }
        int plane = height * width;
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i]))
                throw new GeoDataException($"{prefix}raster '{path}', band {names[i / plane]}: pixel ({i % plane % width}, {i % plane / width}) is {data[i]} (no-data?): fill or mask it first.",
                    row, filePath: path);
        var samples = new float[channels * size * size];
        PlanarResize.Resize(data, channels, height, width, size, resize, samples);
        return new RasterTensor(samples, names, size, lat, lon, width, height);
    }
}
