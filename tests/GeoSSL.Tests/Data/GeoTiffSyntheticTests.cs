using System.Diagnostics;
using BitMiracle.LibTiff.Classic;
using GeoSSL.Data.Rasters;
using static GeoSSL.Tests.Data.GeoTiffWriter;

namespace GeoSSL.Tests.Data;

[TestClass]
public sealed class GeoTiffSyntheticTests
{
    private const int W = 50, H = 37;

    [TestMethod]
    [DataRow(16, 0, 1, 16, 1, false, 5, DisplayName = "tiled uint16 LZW 1 band")]
    [DataRow(16, 0, 3, 32, 3, false, 8, DisplayName = "tiled float32 Deflate 3 bands chunky")]
    [DataRow(16, 0, 3, 16, 1, true, 1, DisplayName = "tiled uint16 none 3 bands planar")]
    [DataRow(32, 0, 1, 16, 2, false, 1, DisplayName = "tiled int16 none 1 band")]
    [DataRow(0, 5, 3, 16, 1, false, 8, DisplayName = "striped uint16 Deflate 3 bands chunky")]
    [DataRow(0, 7, 3, 32, 3, true, 5, DisplayName = "striped float32 LZW 3 bands planar")]
    [DataRow(0, H, 1, 8, 1, false, 1, DisplayName = "one strip uint8 none 1 band")]
    [DataRow(16, 0, 3, 16, 1, false, 5, 2, DisplayName = "tiled uint16 LZW horizontal predictor 3 bands chunky")]
    [DataRow(0, 4, 1, 16, 2, false, 8, 2, DisplayName = "striped int16 Deflate horizontal predictor")]
    [DataRow(16, 0, 3, 32, 3, false, 8, 3, DisplayName = "tiled float32 Deflate floating-point predictor 3 bands chunky")]
    public void WrittenFile_ReadsBackEveryWindow(int tile, int rowsPerStrip, int bands, int bits, int format, bool planar, int compression, int predictor = 1)
    {
        var layout = new Layout(W, H, bands, bits, (SampleFormat)format, planar, tile, rowsPerStrip, (Compression)compression, predictor);
        var path = Path.Combine(TestData.TempFolder("geotiff-synthetic"), "t.tif");
        Write(path, layout, tiepoint: [0, 0, 0, 2.35, 48.87, 0], pixelScale: [1e-4, 1e-4, 0], geoKeys: GeoKeys4326);

        using var reader = GeoTiffReader.Open(path);
        var info = reader.Info;
        Assert.AreEqual(W, info.Width);
        Assert.AreEqual(H, info.Height);
        Assert.AreEqual(bands, info.BandCount);
        Assert.AreEqual(bits, info.BitsPerSample);
        Assert.AreEqual((RasterSampleFormat)format, info.SampleFormat);
        Assert.AreEqual(planar ? RasterPlanarLayout.Planar : RasterPlanarLayout.Chunky, info.PlanarLayout);
        Assert.AreEqual(tile > 0, info.IsTiled);
        Assert.AreEqual(tile > 0 ? tile : W, info.BlockWidth);
        Assert.AreEqual(tile > 0 ? tile : rowsPerStrip, info.BlockHeight);
        Assert.AreEqual(compression, info.CompressionCode);
        Assert.AreEqual(4326, info.EpsgCode);
        Assert.AreEqual(new GeoTransform(2.35, 1e-4, 0, 48.87, 0, -1e-4), info.Transform);

        // Whole band, a window crossing tile/strip boundaries, one at the ragged bottom-right edge, and single pixels.
        foreach (var (x, y, w, h) in new[] { (0, 0, W, H), (10, 12, 30, 20), (40, 30, 10, 7), (15, 15, 2, 2), (49, 36, 1, 1), (0, 0, 1, 1) })
            for (int band = 0; band < bands; band++)
            {
                var window = reader.ReadWindow(band, x, y, w, h);
                for (int r = 0; r < h; r++)
                    for (int c = 0; c < w; c++)
                        Assert.AreEqual((float)Stored(layout, band, x + c, y + r), window[r * w + c], $"band {band} pixel ({x + c},{y + r}) of window ({x},{y},{w},{h})");
            }

        // Pixel by pixel, in an order that keeps leaving and re-entering blocks, agrees with the whole-band read.
        var whole = reader.ReadBand(bands - 1);
        for (int x = 0; x < W; x++)
            for (int y = 0; y < H; y++)
                Assert.AreEqual(whole[y * W + x], reader.ReadWindow(bands - 1, x, y, 1, 1)[0], $"pixel ({x},{y})");
    }

    [TestMethod]
    public void UtmFile_PixelsMapToLonLatAndBack()
    {
        var path = Path.Combine(TestData.TempFolder("geotiff-utm"), "utm.tif");
        // 10 m pixels whose top-left corner is at E 452,000 N 5,412,000 in zone 31N (Paris).
        Write(path, new Layout(W, H, 1, 16, SampleFormat.UINT, false, 16, 0, Compression.DEFLATE),
            tiepoint: [0, 0, 0, 452000, 5412000, 0], pixelScale: [10, 10, 0], geoKeys: GeoKeysUtm(32631));
        var info = GeoTiffReader.ReadInfo(path);
        Assert.AreEqual(32631, info.EpsgCode);
        Assert.AreEqual((452005.0, 5411995.0), info.Transform!.PixelToMap(0.5, 0.5));
        var (lon, lat) = info.PixelToLonLat(0, 0);
        Assert.AreEqual(2.345588972, lon, 1e-8); // PROJ: cs2cs EPSG:32631 EPSG:4326 of (452000, 5412000)
        Assert.AreEqual(48.859106920, lat, 1e-8);
        var (col, row) = info.LonLatToPixel(lon, lat);
        Assert.AreEqual(0, col, 1e-6);
        Assert.AreEqual(0, row, 1e-6);
        var (col2, row2) = info.LonLatToPixel(2.3522, 48.8566); // cs2cs: E 452482.532703 N 5411717.176869
        Assert.AreEqual((452482.532703 - 452000) / 10, col2, 1e-4);
        Assert.AreEqual((5412000 - 5411717.176869) / 10, row2, 1e-4);
    }

    [TestMethod]
    public void PixelIsPoint_ShiftsOriginHalfAPixelLikeGdal()
    {
        var path = Path.Combine(TestData.TempFolder("geotiff-point"), "p.tif");
        Write(path, new Layout(W, H, 1, 16, SampleFormat.UINT, false, 0, 8, Compression.NONE),
            tiepoint: [0, 0, 0, 452000, 5412000, 0], pixelScale: [10, 10, 0], geoKeys: GeoKeysUtm(32631, rasterType: 2));
        var info = GeoTiffReader.ReadInfo(path);
        Assert.AreEqual(RasterPixelType.PixelIsPoint, info.PixelType);
        Assert.AreEqual(451995, info.Transform!.OriginX, 1e-9);
        Assert.AreEqual(5412005, info.Transform.OriginY, 1e-9);
    }

    [TestMethod]
    public void ModelTransformation_GivesTheAffine()
    {
        var path = Path.Combine(TestData.TempFolder("geotiff-matrix"), "m.tif");
        double[] m = [20, 2, 0, 300000, 1, -20, 0, 5000000, 0, 0, 0, 0, 0, 0, 0, 1];
        Write(path, new Layout(W, H, 1, 16, SampleFormat.UINT, false, 0, 8, Compression.NONE), transformation: m, geoKeys: GeoKeysUtm(32733));
        var info = GeoTiffReader.ReadInfo(path);
        Assert.AreEqual(new GeoTransform(300000, 20, 2, 5000000, 1, -20), info.Transform);
        Assert.AreEqual(32733, info.EpsgCode);
        var (x, y) = info.Transform!.PixelToMap(3, 4);
        Assert.AreEqual((300000 + 60 + 8.0, 5000000 + 3 - 80.0), (x, y));
        var (c, r) = info.Transform.MapToPixel(x, y);
        Assert.AreEqual(3, c, 1e-9);
        Assert.AreEqual(4, r, 1e-9);
    }

    [TestMethod]
    public void ErrorsNameFileBandAndWindow()
    {
        var path = Path.Combine(TestData.TempFolder("geotiff-errors"), "e.tif");
        Write(path, new Layout(W, H, 3, 16, SampleFormat.UINT, false, 16, 0, Compression.LZW));
        using var reader = GeoTiffReader.Open(path);
        Assert.IsNull(reader.Info.Transform);
        Assert.IsNull(reader.Info.EpsgCode);
        var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => reader.ReadWindow(3, 0, 0, 1, 1));
        StringAssert.Contains(e1.Message, "e.tif");
        StringAssert.Contains(e1.Message, "band 3");
        var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => reader.ReadWindow(0, 45, 0, 10, 1));
        StringAssert.Contains(e2.Message, "x=45");
        StringAssert.Contains(e2.Message, "50x37");
        var e3 = Assert.ThrowsExactly<InvalidOperationException>(() => reader.Info.PixelToLonLat(0, 0));
        StringAssert.Contains(e3.Message, "e.tif");
    }

    [TestMethod]
    public void UnsupportedSampleFormat_ErrorNamesFileAndWhatIsExpected()
    {
        var path = Path.Combine(TestData.TempFolder("geotiff-complex"), "complex.tif");
        Write(path, new Layout(4, 4, 1, 16, SampleFormat.COMPLEXINT, false, 0, 4, Compression.NONE));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => GeoTiffReader.Open(path));
        StringAssert.Contains(e.Message, "complex.tif");
        StringAssert.Contains(e.Message, "SampleFormat is 5");
    }

    [TestMethod]
    public void CorruptTile_ErrorNamesFileBandAndBlock()
    {
        var path = Path.Combine(TestData.TempFolder("geotiff-corrupt"), "corrupt.tif");
        Write(path, new Layout(W, H, 1, 16, SampleFormat.UINT, false, 16, 0, Compression.DEFLATE));
        // LibTiff writes the first tile right after the 8-byte header; garble its Deflate stream.
        var bytes = File.ReadAllBytes(path);
        for (int i = 8; i < 40; i++) bytes[i] = 0xFF;
        File.WriteAllBytes(path, bytes);
        using var reader = GeoTiffReader.Open(path);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => reader.ReadWindow(0, 0, 0, 4, 4));
        StringAssert.Contains(e.Message, "corrupt.tif");
        StringAssert.Contains(e.Message, "tile at x=0 y=0 of band 0");
        Assert.AreEqual((float)Value(0, 20, 20, SampleFormat.UINT), reader.ReadWindow(0, 20, 20, 1, 1)[0], "other tiles still read");
    }

    [TestMethod]
    public void LargeTiledFile_WindowReadDecodesOnlyItsTiles()
    {
        var folder = TestData.TempFolder("geotiff-large");
        var path = Path.Combine(folder, "big.tif");
        const int size = 4096;
        try
        {
            Write(path, new Layout(size, size, 1, 16, SampleFormat.UINT, false, 256, 0, Compression.DEFLATE));
            using var reader = GeoTiffReader.Open(path);
            reader.ReadWindow(0, 1000, 1000, 256, 256); // warm up
            var sw = Stopwatch.StartNew();
            const int reps = 20;
            float[] window = [];
            for (int i = 0; i < reps; i++) window = reader.ReadWindow(0, 1000 + i, 1000, 256, 256);
            double windowMs = sw.Elapsed.TotalMilliseconds / reps;
            sw.Restart();
            var all = reader.ReadBand(0);
            double bandMs = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"256x256 window of a 4096x4096 Deflate-tiled uint16 file: {windowMs:F2} ms (4 tiles); whole band: {bandMs:F0} ms");
            sw.Restart();
            float sum = 0;
            for (int i = 0; i < 10000; i++) sum += reader.ReadWindow(0, 2048 + i % 200, 2048 + i / 100, 1, 1)[0]; // stays in one tile
            Console.WriteLine($"1x1 look-ups inside one tile: {sw.Elapsed.TotalMicroseconds / 10000:F2} µs each (sum {sum})");
            Assert.AreEqual((float)Value(0, 1000 + reps - 1 + 255, 1255, SampleFormat.UINT), window[^1]);
            Assert.AreEqual(size * size, all.Length);
            Assert.IsLessThan(bandMs / 4, windowMs);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
