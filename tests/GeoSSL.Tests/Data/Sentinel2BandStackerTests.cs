using BitMiracle.LibTiff.Classic;
using GeoSSL.Data.Rasters;
using static GeoSSL.Tests.Data.GeoTiffWriter;

namespace GeoSSL.Tests.Data;

[TestClass]
public sealed class Sentinel2BandStackerTests
{
    private static string BercyFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-s2-msi", "bercy", "imgs_1"));

    [TestMethod]
    public void RealFolder_AllBandsStackOnThe10mGrid()
    {
        var stack = Sentinel2BandStacker.Stack(BercyFolder, "all");
        Assert.AreEqual(13, stack.Channels);
        Assert.AreEqual(395, stack.Height);
        Assert.AreEqual(360, stack.Width);
        Assert.AreEqual(13 * 395 * 360, stack.Data.Length);
        CollectionAssert.AreEqual(Sentinel2BandFiles.AllBands.ToList(), stack.Bands.ToList());
        Assert.AreEqual(4326, stack.EpsgCode);
        Assert.IsTrue(stack.Data.All(v => v > 0 && float.IsFinite(v)), "every stacked value comes from the source (no fill)");
    }

    [TestMethod]
    public void RealFolder_10mBandPassesThroughAnd20mBandIsBilinear()
    {
        var stack = Sentinel2BandStacker.Stack(BercyFolder, "B02,b03,B04,B08,B05");
        CollectionAssert.AreEqual(new[] { "B02", "B03", "B04", "B08", "B05" }, stack.Bands.ToList());
        var files = Sentinel2BandFiles.Find(BercyFolder);
        for (int c = 0; c < 4; c++)
        {
            using var reader = GeoTiffReader.Open(files[stack.Bands[c]]);
            CollectionAssert.AreEqual(reader.ReadBand(0), stack.Data.AsSpan(c * 395 * 360, 395 * 360).ToArray(), stack.Bands[c]);
        }

        // B05 (20 m): recompute a few target pixels from the four source pixels around the centre's map position.
        using var b05 = GeoTiffReader.Open(files["B05"]);
        var source = b05.ReadBand(0);
        var s = b05.Info;
        foreach (var (x, y) in new[] { (100, 100), (101, 57), (250, 300), (17, 390) })
        {
            var (mx, my) = stack.Transform.PixelToMap(x + 0.5, y + 0.5);
            var (u, v) = s.Transform!.MapToPixel(mx, my);
            u = Math.Clamp(u - 0.5, 0, s.Width - 1);
            v = Math.Clamp(v - 0.5, 0, s.Height - 1);
            int i = (int)u, j = (int)v, i1 = Math.Min(i + 1, s.Width - 1), j1 = Math.Min(j + 1, s.Height - 1);
            double fx = u - i, fy = v - j;
            double expected = (source[j * s.Width + i] * (1 - fx) + source[j * s.Width + i1] * fx) * (1 - fy)
                + (source[j1 * s.Width + i] * (1 - fx) + source[j1 * s.Width + i1] * fx) * fy;
            Assert.AreEqual(expected, stack[4, y, x], 0.01, $"B05 at ({x},{y})");
        }
    }

    [TestMethod]
    public void SyntheticUtmFolder_AlignedCentresCopyAndLinearRampsStayLinear()
    {
        var folder = TestData.TempFolder("s2-stack");
        var keys = GeoKeysUtm(32631);
        Write(Path.Combine(folder, "T31UDQ_B02.tif"), new Layout(40, 40, 1, 16, SampleFormat.UINT, false, 16, 0, Compression.DEFLATE),
            tiepoint: [0, 0, 0, 300000, 5000000, 0], pixelScale: [10, 10, 0], geoKeys: keys);
        // B05: 20 m, centres on odd 10 m centres (origin shifted by half a 10 m pixel).
        Write(Path.Combine(folder, "T31UDQ_B05.tif"), new Layout(20, 20, 1, 16, SampleFormat.UINT, false, 0, 3, Compression.LZW),
            tiepoint: [0, 0, 0, 300005, 4999995, 0], pixelScale: [20, 20, 0], geoKeys: keys);
        // B11: 20 m, corners on the 10 m corners, float ramp.
        Write(Path.Combine(folder, "T31UDQ_B11.tif"), new Layout(20, 20, 1, 32, SampleFormat.IEEEFP, false, 0, 20, Compression.NONE),
            tiepoint: [0, 0, 0, 300000, 5000000, 0], pixelScale: [20, 20, 0], geoKeys: keys);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a band");

        var stack = Sentinel2BandStacker.Stack(folder, "B05,B02,B11");
        Assert.AreEqual((3, 40, 40), (stack.Channels, stack.Height, stack.Width));
        Assert.AreEqual(32631, stack.EpsgCode);
        for (int y = 0; y < 40; y++)
            for (int x = 0; x < 40; x++)
                Assert.AreEqual((float)Value(0, x, y, SampleFormat.UINT), stack[1, y, x]);
        for (int j = 0; j < 19; j++)
            for (int i = 0; i < 19; i++)
                Assert.AreEqual((float)Value(0, i, j, SampleFormat.UINT), stack[0, 1 + 2 * j, 1 + 2 * i], $"B05 source ({i},{j})");
        // Inside the outer centres, bilinear reproduces a linear ramp: target centre (x+0.5)/2 - 0.5 in source units.
        for (int y = 1; y < 39; y++)
            for (int x = 1; x < 39; x++)
            {
                double u = (x + 0.5) / 2 - 0.5, v = (y + 0.5) / 2 - 0.5;
                Assert.AreEqual(7 * v + 3 * u + 0.25, stack[2, y, x], 1e-4, $"B11 at ({x},{y})");
            }
    }

    [TestMethod]
    public void BadRequests_NameTheBandAndFolder()
    {
        var e1 = Assert.ThrowsExactly<ArgumentException>(() => Sentinel2BandFiles.ParseBands("B02,B13"));
        StringAssert.Contains(e1.Message, "B13");
        var folder = TestData.TempFolder("s2-missing");
        Write(Path.Combine(folder, "x_B02.tif"), new Layout(4, 4, 1, 16, SampleFormat.UINT, false, 0, 4, Compression.NONE),
            tiepoint: [0, 0, 0, 300000, 5000000, 0], pixelScale: [10, 10, 0], geoKeys: GeoKeysUtm(32631));
        var e2 = Assert.ThrowsExactly<FileNotFoundException>(() => Sentinel2BandStacker.Stack(folder, "B02,B04"));
        StringAssert.Contains(e2.Message, "B04");
        StringAssert.Contains(e2.Message, folder);
    }
}
