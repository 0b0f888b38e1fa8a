using GeoSSL.Data.Images;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Records;
using SkiaSharp;

namespace GeoSSL.Benchmarks;

/// <summary>
/// The small sets of real files the streaming benchmark's synthetic manifests point at, cyclically: OSCD PNG tiles, the same
/// tiles re-encoded as JPEG, and 64 px windows of OSCD's Sentinel-2 GeoTIFF bands (B04, B03, B02 as RGB).
/// </summary>
internal static class StreamingSources
{
    public const int Size = 64;

    public static List<string> PngTiles(string shared, int count)
    {
        var folder = Path.Combine(shared, "data", "oscd-s2-rgb");
        return File.ReadLines(Path.Combine(folder, "manifest.csv")).Skip(1).Take(count)
            .Select(l => Path.Combine(folder, l[..l.IndexOf(',')])).ToList();
    }

    /// <summary>The PNG tiles as JPEG (quality 90) in <paramref name="folder"/>.</summary>
    public static List<string> JpegTiles(IReadOnlyList<string> png, string folder)
    {
        Directory.CreateDirectory(folder);
        return png.Select(p =>
        {
            var jpg = Path.Combine(folder, Path.GetFileNameWithoutExtension(p) + ".jpg");
            using var bitmap = SKBitmap.Decode(p);
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
            File.WriteAllBytes(jpg, data.ToArray());
            return jpg;
        }).ToList();
    }

    /// <summary>The B04 file of each OSCD scene (two cities, two dates); B03 and B02 sit beside it.</summary>
    public static List<string> GeoTiffScenes(string shared) =>
        Directory.GetFiles(Path.Combine(shared, "data", "oscd-s2-msi"), "*_B04.tif", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    public static void DecodeImage(GeoImageRecord r, Span<byte> destination) => ImageDecoder.DecodeRgbPlanar(r.ImagePath, Size, Size, destination, r.Row);

    // LibTiff handles are not thread-safe: each decoding thread keeps its own, opened once per band file, as an archive-scale
    // window reader would (re-opening three files for every 64 px window would measure file opening, not decoding).
    private static readonly ThreadLocal<Dictionary<string, GeoTiffReader>> Readers = new(() => new(), trackAllValues: true);

    /// <summary>
    /// A 64 px RGB window of the scene: its position is drawn from the row number, so every row of the manifest reads a
    /// different window and a row always reads the same one. Reflectance 0..0.3 is stretched to 0..255 as in oscd-s2-rgb.
    /// </summary>
    public static void DecodeWindow(GeoImageRecord r, Span<byte> destination)
    {
        var readers = Readers.Value!;
        Span<float> band = stackalloc float[Size * Size];
        int plane = Size * Size;
        Random? rng = null;
        int x = 0, y = 0;
        string[] bands = ["_B04.tif", "_B03.tif", "_B02.tif"];
        for (int c = 0; c < 3; c++)
        {
            string path = r.ImagePath.Replace("_B04.tif", bands[c]);
            if (!readers.TryGetValue(path, out var reader)) readers[path] = reader = GeoTiffReader.Open(path);
            if (rng is null)
            {
                rng = new Random((int)r.Row);
                x = rng.Next(reader.Info.Width - Size);
                y = rng.Next(reader.Info.Height - Size);
            }
            reader.ReadWindow(0, x, y, Size, Size, band);
            for (int i = 0; i < plane; i++) destination[c * plane + i] = (byte)Math.Clamp(band[i] / 3000f * 255f + 0.5f, 0f, 255f);
        }
    }

    public static void CloseReaders()
    {
        foreach (var d in Readers.Values) { foreach (var r in d.Values) r.Dispose(); d.Clear(); }
    }
}
