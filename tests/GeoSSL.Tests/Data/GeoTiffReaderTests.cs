using System.Globalization;
using GeoSSL.Data.Rasters;

namespace GeoSSL.Tests.Data;

[TestClass]
public sealed class GeoTiffReaderTests
{
    /// <summary>../shared beside the repository (CI always has it there).</summary>
    private static string SharedOscdFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-s2-msi"));

    [TestMethod]
    public void RealSentinel2Bands_AgreeWithEveryGdalReferenceRow()
    {
        var csv = Path.Combine(SharedOscdFolder, "reference-pixels.csv");
        var rows = File.ReadAllLines(csv).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        Assert.IsGreaterThan(100, rows.Count);
        static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        int checkedRows = 0;
        foreach (var fileRows in rows.GroupBy(r => r[0]))
        {
            using var reader = GeoTiffReader.Open(Path.Combine(SharedOscdFolder, fileRows.Key));
            var info = reader.Info;
            var t = info.Transform;
            Assert.IsNotNull(t, fileRows.Key);
            Assert.AreEqual(4326, info.EpsgCode, fileRows.Key);
            foreach (var r in fileRows)
            {
                string where = $"{r[0]} ({r[8]},{r[9]})";
                Assert.AreEqual(int.Parse(r[2], CultureInfo.InvariantCulture), info.Width, where);
                Assert.AreEqual(int.Parse(r[3], CultureInfo.InvariantCulture), info.Height, where);
                Assert.AreEqual(D(r[4]), t.OriginX, 1e-9, where);
                Assert.AreEqual(D(r[5]), t.OriginY, 1e-9, where);
                Assert.AreEqual(D(r[6]), t.PixelWidth, 1e-9, where);
                Assert.AreEqual(D(r[7]), t.PixelHeight, 1e-9, where);
                int x = int.Parse(r[8], CultureInfo.InvariantCulture), y = int.Parse(r[9], CultureInfo.InvariantCulture);
                var value = reader.ReadWindow(0, x, y, 1, 1)[0];
                Assert.AreEqual(D(r[10]), (double)value, 0.0, where);
                checkedRows++;
            }
        }
        Assert.AreEqual(rows.Count, checkedRows);
    }

    [TestMethod]
    public void RealBand_DescribesItsLayout()
    {
        var path = Directory.GetFiles(Path.Combine(SharedOscdFolder, "bercy", "imgs_1"), "*_B02.tif").Single();
        var info = GeoTiffReader.ReadInfo(path);
        Console.WriteLine(info);
        Assert.AreEqual(1, info.BandCount);
        Assert.AreEqual(16, info.BitsPerSample);
        Assert.AreEqual(RasterSampleFormat.UnsignedInteger, info.SampleFormat);
        Assert.AreEqual(RasterPixelType.PixelIsArea, info.PixelType);
    }

    [TestMethod]
    public void MissingFile_ErrorNamesTheFile()
    {
        var path = Path.Combine(TestData.TempFolder("geotiff-missing"), "nope.tif");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => GeoTiffReader.Open(path));
        StringAssert.Contains(e.Message, "nope.tif");
    }

    [TestMethod]
    public void NotATiff_ErrorNamesTheFile()
    {
        var path = Path.Combine(TestData.TempFolder("geotiff-bad"), "text.tif");
        File.WriteAllText(path, "this is not a TIFF file at all");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => GeoTiffReader.Open(path));
        StringAssert.Contains(e.Message, "text.tif");
    }
}

[TestClass]
public sealed class GeoTiffProjectionTests
{
    // Reference points from PROJ 9 (cs2cs EPSG:4326 -> EPSG:326xx/327xx, printed to 1e-6 m).
    [TestMethod]
    [DataRow(32631, 2.3522, 48.8566, 452482.532703, 5411717.176869, DisplayName = "Paris, zone 31N")]
    [DataRow(32756, 151.2153, -33.8568, 334900.569652, 6252288.752888, DisplayName = "Sydney, zone 56S")]
    [DataRow(32627, -20.9, 64.1, 504873.727469, 7108161.341122, DisplayName = "Iceland, zone 27N")]
    [DataRow(32631, 6.0, 10.0, 828928.736059, 1106908.854243, DisplayName = "3 degrees east of the meridian")]
    [DataRow(32631, -0.5, 70.0, 366464.224727, 7769707.254781, DisplayName = "70N, west edge")]
    public void Utm_MatchesProjAndRoundTrips(int epsg, double lon, double lat, double easting, double northing)
    {
        var projection = MapProjection.FromEpsg(epsg);
        var (x, y) = projection.FromLonLat(lon, lat);
        Assert.AreEqual(easting, x, 1e-3);
        Assert.AreEqual(northing, y, 1e-3);
        var (lon2, lat2) = projection.ToLonLat(easting, northing);
        Assert.AreEqual(lon, lon2, 1e-9);
        Assert.AreEqual(lat, lat2, 1e-9);
    }

    [TestMethod]
    public void Epsg4326_IsIdentity_OthersRefusedByCode()
    {
        Assert.AreEqual((2.5, 48.5), MapProjection.FromEpsg(4326).ToLonLat(2.5, 48.5));
        var e = Assert.ThrowsExactly<NotSupportedException>(() => MapProjection.FromEpsg(2154));
        StringAssert.Contains(e.Message, "EPSG:2154");
    }
}
