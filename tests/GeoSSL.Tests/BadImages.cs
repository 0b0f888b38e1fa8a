using SkiaSharp;

namespace GeoSSL.Tests;

/// <summary>The bad-input matrix's image files: broken ones written into a temp folder, unusual encodings from Fixtures/bad-images.</summary>
public static class BadImages
{
    public static string FixtureFolder => Path.Combine(TestData.RepoRoot, "tests", "GeoSSL.Tests", "Fixtures", "bad-images");

    /// <summary>The tile the fixtures were made from (see Fixtures/bad-images/README.md).</summary>
    public static string SourceTile => Path.Combine(TestData.OscdFolder, "tiles", "abudhabi", "abudhabi_00_00_20160120.png");

    public static string Fixture(string name) => Path.Combine(FixtureFolder, name);

    /// <summary>The first half of the bytes of a real tile: a valid header and half of the compressed rows.</summary>
    public static string Truncated(string folder, string name = "truncated.png")
    {
        var bytes = File.ReadAllBytes(SourceTile);
        return Write(folder, name, bytes[..(bytes.Length / 2)]);
    }

    public static string ZeroBytes(string folder, string name = "empty.png") => Write(folder, name, []);

    public static string TextNamedPng(string folder, string name = "notes.png")
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, "ImagePath,LocationId\nthis is a text file, not an image\n");
        return path;
    }

    /// <summary>A PNG of <paramref name="width"/> x <paramref name="height"/>: left half red, right half blue.</summary>
    public static string TwoColour(string folder, string name, int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, x < width / 2 ? new SKColor(220, 30, 20) : new SKColor(10, 40, 230));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return Write(folder, name, data.ToArray());
    }

    private static string Write(string folder, string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
