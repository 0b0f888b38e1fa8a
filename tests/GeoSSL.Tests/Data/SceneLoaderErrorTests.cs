using BitMiracle.LibTiff.Classic;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Records;
using GeoSSL.Data.Scenes;
using static GeoSSL.Tests.Data.GeoTiffWriter;

namespace GeoSSL.Tests.Data;

/// <summary>Scene loading and window errors name the file or scene; dates on differently sized grids use their common extent.</summary>
[TestClass]
public sealed class SceneLoaderErrorTests
{
    private static string ChangeFolder => SceneWindowTests.ChangeFolder;
    private const string Header = "City,Date1,Date2,Width,Height,Latitude,Longitude,ChangeFraction";
    private const string BercyRow = "bercy,2016-11-30,2017-08-29,360,395,48.843644,2.380257,0.00736";

    /// <summary>A change-style folder with one city "bercy" whose t1/t2 are copied from the given real files (null = absent).</summary>
    private static string ChangeCopy(string manifestRow, string? t1, string? t2)
    {
        var folder = TestData.TempFolder("scene-change");
        File.WriteAllLines(Path.Combine(folder, "manifest.csv"), [Header, manifestRow]);
        Directory.CreateDirectory(Path.Combine(folder, "bercy"));
        if (t1 is not null) File.Copy(t1, Path.Combine(folder, "bercy", "t1.png"));
        if (t2 is not null) File.Copy(t2, Path.Combine(folder, "bercy", "t2.png"));
        return folder;
    }

    private static string Real(string city, string file) => Path.Combine(ChangeFolder, city, file);

    [TestMethod]
    public void UnknownCityInTheFilter_NamesTheCityAndTheManifest()
    {
        var e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromOscdChange(ChangeFolder, ["paris", "atlantis"]));
        StringAssert.Contains(e.Message, "atlantis");
        StringAssert.Contains(e.Message, "manifest.csv");
        StringAssert.StartsWith(e.Message, "City/cities atlantis not in", "only the unknown city is reported as unknown");
    }

    [TestMethod]
    public void MissingT1_NamesTheFile()
    {
        var folder = ChangeCopy(BercyRow, null, Real("bercy", "t2.png"));
        var e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromOscdChange(folder));
        Assert.AreEqual(Path.Combine(folder, "bercy", "t1.png"), e.FilePath);
        StringAssert.Contains(e.Message, "t1.png");
        StringAssert.Contains(e.Message, "bercy");
    }

    [TestMethod]
    public void MissingT2_NamesTheFile()
    {
        var folder = ChangeCopy(BercyRow, Real("bercy", "t1.png"), null);
        var e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromOscdChange(folder));
        Assert.AreEqual(Path.Combine(folder, "bercy", "t2.png"), e.FilePath);
    }

    [TestMethod]
    public void DatesOfDifferentSizes_AreAnErrorNamingTheFile()
    {
        var folder = ChangeCopy(BercyRow, Real("bercy", "t1.png"), Real("paris", "t2.png"));
        var e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromOscdChange(folder));
        Assert.AreEqual(Path.Combine(folder, "bercy", "t2.png"), e.FilePath);
        StringAssert.Contains(e.Message, "390x408");
        StringAssert.Contains(e.Message, "360x395");
    }

    [TestMethod]
    [DataRow("bercy,2016-11-30,2017-08-29,abc,395,48.843644,2.380257,0.00736", "Width")]
    [DataRow("bercy,30/11/2016,2017-08-29,360,395,48.843644,2.380257,0.00736", "Date1")]
    [DataRow("bercy,2016-11-30,2017-08-29,360,395,98.8,2.380257,0.00736", "Latitude")]
    [DataRow("bercy,2016-11-30,2017-08-29,360,395,48.843644", null)]
    public void BadManifestRow_NamesRowColumnAndManifest(string row, string? column)
    {
        var folder = ChangeCopy(row, Real("bercy", "t1.png"), Real("bercy", "t2.png"));
        var e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromOscdChange(folder));
        Assert.AreEqual(0L, e.Row);
        Assert.AreEqual(column, e.Column);
        Assert.AreEqual(Path.Combine(folder, "manifest.csv"), e.FilePath);
        StringAssert.Contains(e.Message, "Row 0");
    }

    [TestMethod]
    public void WindowLargerThanAScene_NamesTheScene()
    {
        var scenes = GeoScene.FromOscdChange(ChangeFolder, ["bercy", "pisa"]);
        var e = Assert.ThrowsExactly<GeoDataException>(() => SceneWindowSampler.Random(scenes, 380, 10, seed: 0));
        StringAssert.Contains(e.Message, "'bercy' (360x395 px");
        Assert.ThrowsExactly<GeoDataException>(() => SceneWindowSampler.Grid(scenes, 380, 10));
        Assert.ThrowsExactly<GeoDataException>(() => SceneWindowSampler.At(scenes, 64, [(1, 700, 0)]));
        Assert.HasCount(1, SceneWindowSampler.At(scenes, 360, [(0, 0, 35)]).Windows);
    }

    [TestMethod]
    public void ScenesWithDifferentBands_CannotShareASampler()
    {
        var png = GeoScene.FromOscdChange(ChangeFolder, ["bercy"])[0];
        var tif = GeoScene.FromSentinel2(SceneWindowTests.MsiFolder("bercy"), "B04,B03,B02");
        var e = Assert.ThrowsExactly<GeoDataException>(() => SceneWindowSampler.Grid([png, tif], 64, 64));
        StringAssert.Contains(e.Message, "B04,B03,B02");
    }

    [TestMethod]
    public void Sentinel2_MissingDateFolderDatesFileOrBand_NamesIt()
    {
        var folder = TestData.TempFolder("scene-s2");
        var e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromSentinel2(folder, "B02"));
        StringAssert.Contains(e.Message, "dates.txt");

        File.WriteAllLines(Path.Combine(folder, "dates.txt"), ["date_1: 20161130", "date_2: 2017-08-29"]);
        e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromSentinel2(folder, "B02"));
        StringAssert.Contains(e.Message, "Line 2");

        File.WriteAllLines(Path.Combine(folder, "dates.txt"), ["date_1: 20161130", "date_2: 20170829"]);
        var imgs1 = Directory.CreateDirectory(Path.Combine(folder, "imgs_1")).FullName;
        var b02 = Sentinel2BandFiles.Find(Path.Combine(SceneWindowTests.MsiFolder("bercy"), "imgs_1"))["B02"];
        File.Copy(b02, Path.Combine(imgs1, Path.GetFileName(b02)));
        e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromSentinel2(folder, "B02"));
        Assert.AreEqual(Path.Combine(folder, "imgs_2"), e.FilePath);

        Directory.CreateDirectory(Path.Combine(folder, "imgs_2"));
        File.Copy(b02, Path.Combine(folder, "imgs_2", "T31UDQ_B02.tif"));
        e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromSentinel2(folder, "B02,B03"));
        StringAssert.Contains(e.Message, "B03");
        Assert.AreEqual(imgs1, e.FilePath);

        var scene = GeoScene.FromSentinel2(folder, "B02"); // the same B02 on both dates
        Assert.AreEqual((360, 395, 2), (scene.Width, scene.Height, scene.DateCount));
    }

    [TestMethod]
    public void Sentinel2_DatesOnDifferentlySizedGrids_UseTheCommonExtent()
    {
        var folder = TestData.TempFolder("scene-s2-extent");
        File.WriteAllLines(Path.Combine(folder, "dates.txt"), ["date_1: 20200101", "date_2: 20200601"]);
        var keys = GeoKeysUtm(32631);
        Directory.CreateDirectory(Path.Combine(folder, "imgs_1"));
        Directory.CreateDirectory(Path.Combine(folder, "imgs_2"));
        // date 2 starts 2 px east and 1 px south of date 1, and reaches 2 px less far east and 4 px further south
        Write(Path.Combine(folder, "imgs_1", "T31UDQ_B02.tif"), new Layout(40, 30, 1, 16, SampleFormat.UINT, false, 0, 30, Compression.NONE),
            tiepoint: [0, 0, 0, 300000, 5000000, 0], pixelScale: [10, 10, 0], geoKeys: keys);
        Write(Path.Combine(folder, "imgs_2", "T31UDQ_B02.tif"), new Layout(36, 34, 1, 16, SampleFormat.UINT, false, 0, 34, Compression.NONE),
            tiepoint: [0, 0, 0, 300020, 4999990, 0], pixelScale: [10, 10, 0], geoKeys: keys);

        var scene = GeoScene.FromSentinel2(folder, "B02");
        Assert.AreEqual((36, 29), (scene.Width, scene.Height));
        for (int y = 0; y < scene.Height; y++)
            for (int x = 0; x < scene.Width; x++)
            {
                Assert.AreEqual(Value(0, x + 2, y + 1, SampleFormat.UINT), scene[0, 0, y, x]);
                Assert.AreEqual(Value(0, x, y, SampleFormat.UINT), scene[1, 0, y, x]);
            }
        var (lon, lat) = MapProjection.FromEpsg(32631).ToLonLat(300020 + 35, 4999990 - 15);
        Assert.AreEqual((lat, lon), scene.PixelToLatLon(3.5, 1.5));

        // half a pixel off: not co-registered
        Write(Path.Combine(folder, "imgs_2", "T31UDQ_B02.tif"), new Layout(36, 34, 1, 16, SampleFormat.UINT, false, 0, 34, Compression.NONE),
            tiepoint: [0, 0, 0, 300025, 4999990, 0], pixelScale: [10, 10, 0], geoKeys: keys);
        var e = Assert.ThrowsExactly<GeoDataException>(() => GeoScene.FromSentinel2(folder, "B02"));
        StringAssert.Contains(e.Message, "not whole pixels");
    }

    [TestMethod]
    public void SampleConversion_IsExactForBytesAndRefusesOtherValues()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var back = new byte[256];
        SceneSamples.ToBytes(SceneSamples.ToFloats(bytes), back);
        CollectionAssert.AreEqual(bytes, back);
        Assert.ThrowsExactly<ArgumentException>(() => SceneSamples.ToBytes([1331f], new byte[1]));
        Assert.ThrowsExactly<ArgumentException>(() => SceneSamples.ToBytes([0.5f], new byte[1]));
        Assert.ThrowsExactly<ArgumentException>(() => SceneSamples.ToBytes([float.NaN], new byte[1]));
        Assert.ThrowsExactly<ArgumentException>(() => SceneSamples.ToBytes([-1f], new byte[1]));
        Assert.ThrowsExactly<ArgumentException>(() => SceneSamples.ToBytes([256f], new byte[1]));
        Assert.ThrowsExactly<ArgumentException>(() => SceneSamples.ToBytes([-0.5f], new byte[1]));
    }
}
