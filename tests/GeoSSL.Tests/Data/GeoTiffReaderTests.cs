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
