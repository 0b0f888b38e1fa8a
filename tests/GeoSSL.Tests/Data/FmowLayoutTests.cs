using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GeoSSL.Data.Records;
using GeoSSL.Data.Sources;

namespace GeoSSL.Tests.Data;

/// <summary>FmowLayout on the committed fMoW-layout fixture (real OSCD tiles) and on broken copies of it.</summary>
[TestClass]
public sealed class FmowLayoutTests
{
    private static readonly string[] ExpectedLocations =
    [
        "train/airport/airport_0", "train/airport/airport_1", "train/airport/airport_2",
        "train/urban_area/urban_area_0", "train/urban_area/urban_area_1", "train/urban_area/urban_area_2",
        "val/airport/airport_0", "val/urban_area/urban_area_0",
    ];

    [TestMethod]
    public void Fixture_AllSplits_SixteenImagesInOrdinalPathOrder()
    {
        var records = FmowLayout.Read(FmowFixture.Root);
        Assert.HasCount(16, records);
        var paths = records.Select(r => r.ImagePath).ToList();
        CollectionAssert.AreEqual(paths.OrderBy(p => p, StringComparer.Ordinal).ToList(), paths, "ordinal path order");
        CollectionAssert.AreEqual(Enumerable.Range(0, 16).Select(i => (long)i).ToList(), records.Select(r => r.Row).ToList(), "rows follow that order");
        Assert.IsTrue(records.All(r => Path.IsPathRooted(r.ImagePath) && File.Exists(r.ImagePath) && r.ImagePath.EndsWith("_rgb.jpg")));
        var expected = FmowFixture.Sources().Select(s => Path.GetFullPath(Path.Combine(FmowFixture.Root, s.RelativePath))).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(expected, paths, "exactly the images make_fixture.py wrote");
    }

    [TestMethod]
    public void Fixture_LocationIds_AreSplitCategoryInstance_TwoImagesEach()
    {
        var records = FmowLayout.Read(FmowFixture.Root);
        var groups = records.GroupBy(r => r.LocationId).ToDictionary(g => g.Key, g => g.ToList());
        CollectionAssert.AreEquivalent(ExpectedLocations, groups.Keys.ToList());
        foreach (var r in records)
        {
            // the id is the image's own split/category/instance folders
            var rel = Path.GetRelativePath(FmowFixture.Root, Path.GetDirectoryName(r.ImagePath)!).Replace('\\', '/');
            Assert.AreEqual(rel, r.LocationId);
        }
        Assert.IsTrue(groups.Values.All(g => g.Count == 2));
    }

    [TestMethod]
    public void Fixture_CentroidIsTheRealTileCentre_NotTheVertexMean()
    {
        var records = FmowLayout.Read(FmowFixture.Root);
        var sources = FmowFixture.Sources().ToDictionary(s => Path.GetFullPath(Path.Combine(FmowFixture.Root, s.RelativePath)));
        foreach (var r in records)
        {
            var s = sources[r.ImagePath];
            Assert.AreEqual(s.Latitude, r.Latitude, 1e-6, $"latitude of {r.ImagePath}");
            Assert.AreEqual(s.Longitude, r.Longitude, 1e-6, $"longitude of {r.ImagePath}");
            // The fixture's rings are closed and carry an extra vertex on one edge, so the vertex mean misses the centre:
            // a reader averaging vertices would fail the asserts above.
            var (meanLat, meanLon) = VertexMean(Path.ChangeExtension(r.ImagePath, ".json"));
            Assert.IsTrue(Math.Abs(meanLat - s.Latitude) > 1e-4 || Math.Abs(meanLon - s.Longitude) > 1e-4, $"vertex mean of {r.ImagePath} is off the centre");
        }
        // different places, not one repeated coordinate
        Assert.HasCount(8, records.Select(r => (r.Latitude, r.Longitude)).Distinct().ToList());
    }

    private static (double Lat, double Lon) VertexMean(string json)
    {
        var wkt = JsonNode.Parse(File.ReadAllText(json))!["raw_location"]!.GetValue<string>();
        var pts = wkt[(wkt.IndexOf("((") + 2)..wkt.IndexOf("))")].Split(',')
            .Select(p => p.Trim().Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        return (pts.Average(p => p[1]), pts.Average(p => p[0]));
    }

    [TestMethod]
    public void Fixture_TimestampsAreUtcDates_TwoDifferentDatesPerLocation()
    {
        var records = FmowLayout.Read(FmowFixture.Root);
        var sources = FmowFixture.Sources().ToDictionary(s => Path.GetFullPath(Path.Combine(FmowFixture.Root, s.RelativePath)));
        foreach (var r in records)
        {
            Assert.IsNotNull(r.Timestamp);
            Assert.AreEqual(DateTimeKind.Utc, r.Timestamp.Value.Kind);
            Assert.AreEqual(sources[r.ImagePath].Date, r.Timestamp.Value, r.ImagePath);
        }
        foreach (var g in records.GroupBy(r => r.LocationId))
        {
            Assert.HasCount(2, g.Select(r => r.Timestamp).Distinct().ToList(), $"{g.Key} has two dates");
            Assert.HasCount(1, g.Select(r => sources[r.ImagePath].SourceLocationId).Distinct().ToList(), $"{g.Key} is one OSCD location");
        }
    }

    [TestMethod]
    public void SplitFilter_ReadsOnlyThatSplit()
    {
        var val = FmowLayout.Read(FmowFixture.Root, ["val"]);
        Assert.HasCount(4, val);
        CollectionAssert.AreEquivalent(new[] { "val/airport/airport_0", "val/urban_area/urban_area_0" }, val.Select(r => r.LocationId).Distinct().ToList());
        var train = FmowLayout.Read(FmowFixture.Root, ["train"]);
        Assert.HasCount(12, train);
        Assert.IsTrue(train.All(r => r.LocationId.StartsWith("train/")));
        Assert.HasCount(16, FmowLayout.Read(FmowFixture.Root, ["val", "train"]));
    }

    [TestMethod]
    public void CategoryFilter_ReadsOnlyThoseCategories_AndNamesAMissingOne()
    {
        var airports = FmowLayout.Read(FmowFixture.Root, categories: ["airport"]);
        Assert.HasCount(8, airports);
        Assert.IsTrue(airports.All(r => r.LocationId.Split('/')[1] == "airport"));
        Assert.HasCount(2, FmowLayout.Read(FmowFixture.Root, ["val"], ["urban_area"]));
        var ex = Assert.ThrowsExactly<GeoDataException>(() => FmowLayout.Read(FmowFixture.Root, categories: ["airport", "harbor"]));
        StringAssert.Contains(ex.Message, "'harbor'");
    }

    [TestMethod]
    public void OtherFiles_AreIgnored()
    {
        var root = FmowFixture.Copy();
        var instance = Path.Combine(root, "train", "airport", "airport_0");
        var image = Path.Combine(instance, "airport_0_0_rgb.jpg");
        File.Copy(image, Path.Combine(instance, "airport_0_0_msrgb.jpg"));
        File.Copy(image, Path.Combine(instance, "airport_0_0_ms.jpg"));
        File.WriteAllText(Path.Combine(instance, "notes.txt"), "not an image");
        File.Copy(image, Path.Combine(root, "train", "airport", "loose_rgb.jpg")); // not in an instance folder
        Directory.CreateDirectory(Path.Combine(root, "extra", "airport", "airport_9"));
        File.Copy(image, Path.Combine(root, "extra", "airport", "airport_9", "airport_9_0_rgb.jpg")); // not an fMoW split
        File.Copy(Path.ChangeExtension(image, ".json"), Path.Combine(root, "extra", "airport", "airport_9", "airport_9_0_rgb.json"));
        var records = FmowLayout.Read(root);
        Assert.HasCount(16, records);
        Assert.IsTrue(records.All(r => r.ImagePath.EndsWith("_rgb.jpg") && !r.ImagePath.Contains("loose") && !r.ImagePath.Contains("extra")));
        // a split outside fMoW's names is read when asked for
        Assert.HasCount(1, FmowLayout.Read(root, ["extra"]));
    }

    // ---- centroid and timestamp details, on one rewritten metadata file -------------------------------------------

    private static GeoImageRecord ReadWith(string rawLocation, string timestamp = "2016-02-05T07:29:41Z")
    {
        var root = TestData.TempFolder("fmow-one");
        var dir = Path.Combine(root, "train", "dam", "dam_0");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(FmowFixture.Root, "val", "airport", "airport_0", "airport_0_0_rgb.jpg"), Path.Combine(dir, "dam_0_0_rgb.jpg"));
        File.WriteAllText(Path.Combine(dir, "dam_0_0_rgb.json"), JsonSerializer.Serialize(new { timestamp, raw_location = rawLocation }));
        return FmowLayout.Read(root).Single();
    }

    [TestMethod]
    public void Centroid_IsAreaWeighted_ForAnLShape()
    {
        // Three unit squares (scaled by 1e-3 deg) in an L: area centroid (5/6, 5/6), vertex mean (1, 1).
        string L(double s) => string.Create(CultureInfo.InvariantCulture,
            $"POLYGON ((10 45, {10 + 2 * s} 45, {10 + 2 * s} {45 + s}, {10 + s} {45 + s}, {10 + s} {45 + 2 * s}, 10 {45 + 2 * s}, 10 45))");
        var r = ReadWith(L(1e-3));
        Assert.AreEqual(10 + 5e-3 / 6, r.Longitude, 1e-9);
        Assert.AreEqual(45 + 5e-3 / 6, r.Latitude, 1e-9);
        Assert.AreEqual("train/dam/dam_0", r.LocationId);
    }

    [TestMethod]
    public void Centroid_DegenerateRing_FallsBackToTheMeanOfDistinctPoints()
    {
        var r = ReadWith("POLYGON ((10 45, 10.001 45.001, 10.003 45.003, 10 45))");
        Assert.AreEqual(10 + 0.004 / 3, r.Longitude, 1e-9);
        Assert.AreEqual(45 + 0.004 / 3, r.Latitude, 1e-9);
    }

    [TestMethod]
    public void Centroid_AcrossTheAntimeridian_StaysOnIt()
    {
        var r = ReadWith("POLYGON ((179.998 -17, -179.999 -17, -179.999 -16.999, 179.998 -16.999, 179.998 -17))");
        Assert.AreEqual(179.9995, r.Longitude, 1e-9);
        Assert.AreEqual(-16.9995, r.Latitude, 1e-9);
    }

    [TestMethod]
    public void Timestamp_FullTimeAndOffsets_BecomeUtc()
    {
        const string square = "POLYGON ((10 45, 10.001 45, 10.001 45.001, 10 45.001, 10 45))";
        var z = ReadWith(square, "2016-02-05T07:29:41Z").Timestamp!.Value;
        Assert.AreEqual(new DateTime(2016, 2, 5, 7, 29, 41, DateTimeKind.Utc), z);
        Assert.AreEqual(DateTimeKind.Utc, z.Kind);
        var offset = ReadWith(square, "2016-02-05T10:29:41+03:00").Timestamp!.Value;
        Assert.AreEqual(new DateTime(2016, 2, 5, 7, 29, 41, DateTimeKind.Utc), offset);
        Assert.AreEqual(DateTimeKind.Utc, offset.Kind);
        Assert.AreEqual(new DateTime(2016, 2, 5, 7, 29, 41, 123, DateTimeKind.Utc), ReadWith(square, "2016-02-05T07:29:41.123Z").Timestamp);
    }

    // ---- errors name the file ------------------------------------------------------------------------------------

    private const string Victim = "train/airport/airport_1/airport_1_0_rgb";

    private static (string Root, string Json) BrokenCopy(Action<string> breakJson)
    {
        var root = FmowFixture.Copy();
        var json = Path.Combine(root, Victim + ".json");
        breakJson(json);
        return (root, json);
    }

    private static void EditJson(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        edit(node);
        File.WriteAllText(json, node.ToJsonString());
    }

    private static GeoDataException ExpectError(string root, string file, params string[] fragments)
    {
        var ex = Assert.ThrowsExactly<GeoDataException>(() => FmowLayout.Read(root));
        Assert.AreEqual(file, ex.FilePath);
        StringAssert.Contains(ex.Message, file);
        foreach (var f in fragments) StringAssert.Contains(ex.Message, f);
        return ex;
    }

    [TestMethod]
    public void MissingJson_NamesTheImageAndTheJson()
    {
        var (root, json) = BrokenCopy(File.Delete);
        var ex = ExpectError(root, json, "no metadata file");
        StringAssert.Contains(ex.Message, Path.ChangeExtension(json, ".jpg"));
    }

    [TestMethod]
    public void UnparsableJson_NamesTheFile()
    {
        var (root, json) = BrokenCopy(j => File.WriteAllText(j, File.ReadAllText(j)[..40]));
        var ex = ExpectError(root, json, "not valid JSON");
        Assert.IsInstanceOfType<JsonException>(ex.InnerException);
        var (root2, json2) = BrokenCopy(j => File.WriteAllText(j, "[1, 2]"));
        ExpectError(root2, json2, "not an object");
    }

    [TestMethod]
    [DataRow("timestamp", "no 'timestamp' field")]
    [DataRow("raw_location", "no 'raw_location' field")]
    public void MissingField_NamesFieldAndFile(string field, string message)
    {
        var (root, json) = BrokenCopy(j => EditJson(j, o => o.Remove(field)));
        Assert.AreEqual(field, ExpectError(root, json, message).Column);
    }

    [TestMethod]
    [DataRow("timestamp", "\"yesterday\"", "not an ISO-8601")]
    [DataRow("timestamp", "\"\"", "empty")]
    [DataRow("timestamp", "1454657381", "Number, not text")]
    [DataRow("raw_location", "\"POINT (54.5 24.3)\"", "not a WKT POLYGON")]
    [DataRow("raw_location", "\"POLYGON ((54.5 24.3, 54.6 24.3, 54.6 24.4, 54.5 24.3\"", "no closing")]
    [DataRow("raw_location", "\"POLYGON ((54.5 24.3, 54.6 x, 54.6 24.4, 54.5 24.3))\"", "'54.6 x' is not a 'lon lat' point")]
    [DataRow("raw_location", "\"POLYGON ((54.5 24.3, 54.6 24.3, 54.5 24.3))\"", "2 distinct point(s)")]
    [DataRow("raw_location", "\"POLYGON ((54.5 24.3, 54.6 NaN, 54.6 24.4, 54.5 24.3))\"", "is not a longitude in [-180, 180] and a latitude in [-90, 90]")]
    [DataRow("raw_location", "\"POLYGON ((54.5 94.3, 54.6 94.3, 54.6 94.4, 54.5 94.3))\"", "(54.5 94.3) is not a longitude")]
    [DataRow("raw_location", "\"POLYGON ((194.5 24.3, 194.6 24.3, 194.6 24.4, 194.5 24.3))\"", "(194.5 24.3) is not a longitude")]
    [DataRow("raw_location", "{\"lat\": 24.3}", "Object, not text")]
    public void InvalidField_NamesFieldAndFile(string field, string jsonValue, string message)
    {
        var (root, json) = BrokenCopy(j => EditJson(j, o => o[field] = JsonNode.Parse(jsonValue)));
        Assert.AreEqual(field, ExpectError(root, json, message).Column);
    }

    [TestMethod]
    public void MissingRoot_NoSplitFolders_MissingSplit_AreNamed()
    {
        var missing = Path.Combine(TestData.TempFolder("fmow-none"), "nowhere");
        var ex = Assert.ThrowsExactly<GeoDataException>(() => FmowLayout.Read(missing));
        StringAssert.Contains(ex.Message, missing);
        StringAssert.Contains(ex.Message, "does not exist");

        // pointed one level too deep: at a split, whose subfolders are categories
        var split = Path.Combine(FmowFixture.Root, "train");
        ex = Assert.ThrowsExactly<GeoDataException>(() => FmowLayout.Read(split));
        StringAssert.Contains(ex.Message, "no fMoW split folders (train/val/test/seq) under '" + Path.GetFullPath(split) + "'");
        Assert.AreEqual(Path.GetFullPath(split), ex.FilePath);

        ex = Assert.ThrowsExactly<GeoDataException>(() => FmowLayout.Read(FmowFixture.Root, ["test"]));
        StringAssert.Contains(ex.Message, "no fMoW split folder 'test'");
        Assert.AreEqual(Path.Combine(Path.GetFullPath(FmowFixture.Root), "test"), ex.FilePath);
    }

    [TestMethod]
    public void SplitWithoutImages_IsAnError()
    {
        var root = TestData.TempFolder("fmow-empty");
        Directory.CreateDirectory(Path.Combine(root, "val", "airport", "airport_0"));
        var ex = Assert.ThrowsExactly<GeoDataException>(() => FmowLayout.Read(root));
        StringAssert.Contains(ex.Message, "No fMoW images");
        StringAssert.Contains(ex.Message, root);
    }
}
