using GeoSSL.Data.Images;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Dense;

/// <summary>
/// Reads a label mask image through <see cref="ImageDecoder"/> (the library's one decoder) and checks it against its scene:
/// same size (never resized: resampling a label invents classes at the edges), and valid class values.
/// </summary>
internal static class MaskReader
{
    /// <summary>Change masks: any non-zero value in any channel = change (1), so 255/0, 1/0 and coloured masks all work.</summary>
    public static byte[] ReadBinary(string path, string sceneName, int width, int height)
    {
        var planes = Decode(path, sceneName, width, height);
        int plane = width * height;
        var mask = new byte[plane];
        for (int i = 0; i < plane; i++)
            mask[i] = (byte)((planes[i] | planes[plane + i] | planes[2 * plane + i]) != 0 ? 1 : 0);
        return mask;
    }

    /// <summary>Class masks: a grey image whose value is the class 0..K-1; a coloured pixel or a value ≥ K is a named error.</summary>
    public static byte[] ReadClasses(string path, string sceneName, int width, int height, int classCount)
    {
        var planes = Decode(path, sceneName, width, height);
        int plane = width * height;
        var mask = new byte[plane];
        for (int i = 0; i < plane; i++)
        {
            byte v = planes[i];
            if (planes[plane + i] != v || planes[2 * plane + i] != v)
                throw new GeoDataException($"Scene '{sceneName}': mask '{path}' pixel ({i % width}, {i / width}) is coloured " +
                    $"(R,G,B = {v},{planes[plane + i]},{planes[2 * plane + i]}); a class mask must be grey, value = class.", filePath: path);
            if (v >= classCount)
                throw new GeoDataException($"Scene '{sceneName}': mask '{path}' pixel ({i % width}, {i / width}) has value {v}, " +
                    $"not a class 0..{classCount - 1} (K = {classCount}).", filePath: path);
            mask[i] = v;
        }
        return mask;
    }

    /// <summary>OSCD's released change label, a one-band GeoTIFF on the 10 m grid: 1 = no change (0), 2 = change (1).</summary>
    public static byte[] ReadOscdChangeTiff(string path, string sceneName, int width, int height)
    {
        if (!File.Exists(path)) throw new GeoDataException($"Scene '{sceneName}': change label '{path}' does not exist.", filePath: path);
        float[] values;
        try
        {
            using var tiff = Rasters.GeoTiffReader.Open(path);
            if (tiff.Info.Width != width || tiff.Info.Height != height)
                throw new GeoDataException($"Scene '{sceneName}': change label '{path}' is {tiff.Info.Width}x{tiff.Info.Height} px but the scene is " +
                    $"{width}x{height}; a label must be on the images' grid.", filePath: path);
            values = tiff.ReadBand(0);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new GeoDataException($"Scene '{sceneName}': change label '{path}' cannot be read: {e.Message}", filePath: path, inner: e);
        }
        var mask = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (v is not (1f or 2f))
                throw new GeoDataException($"Scene '{sceneName}': change label '{path}' pixel ({i % width}, {i / width}) is {v}; OSCD labels are " +
                    "1 (no change) or 2 (change).", filePath: path);
            mask[i] = (byte)(v == 2f ? 1 : 0);
        }
        return mask;
    }

    private static byte[] Decode(string path, string sceneName, int width, int height)
    {
        if (!File.Exists(path)) throw new GeoDataException($"Scene '{sceneName}': mask '{path}' does not exist.", filePath: path);
        var (w, h) = ImageDecoder.ReadSize(path);
        if (w != width || h != height)
            throw new GeoDataException($"Scene '{sceneName}': mask '{path}' is {w}x{h} px but the scene is {width}x{height}; " +
                "a mask must be on the images' grid.", filePath: path);
        var planes = new byte[ImageDecoder.Channels * w * h];
        ImageDecoder.DecodeRgbPlanar(path, h, w, planes);
        return planes;
    }
}
