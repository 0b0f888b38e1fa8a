using System.Diagnostics;
using System.Globalization;
using GeoSSL.Data.Geo;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Sampling;
using GeoSSL.Data.Scenes;
using SkiaSharp;

namespace GeoSSL.Tests.Data;

/// <summary>Windows from whole OSCD scenes (the 10 change cities as PNG, bercy/paris as Sentinel-2 GeoTIFFs) in ../shared/data.</summary>
[TestClass]
public sealed class SceneWindowTests
{
    internal static string SharedData => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data"));
    internal static string ChangeFolder => Path.Combine(SharedData, "oscd-change");
    internal static string MsiFolder(string city) => Path.Combine(SharedData, "oscd-s2-msi", city);

    private static readonly Lazy<IReadOnlyList<GeoScene>> Cities = new(() => GeoScene.FromOscdChange(ChangeFolder));

    private sealed record ManifestRow(string City, DateTime Date1, DateTime Date2, int Width, int Height, double Latitude, double Longitude);

    private static List<ManifestRow> Manifest() => File.ReadAllLines(Path.Combine(ChangeFolder, "manifest.csv")).Skip(1).Where(l => l.Length > 0)
        .Select(l => l.Split(',')).Select(f => new ManifestRow(f[0], DateTime.Parse(f[1], CultureInfo.InvariantCulture), DateTime.Parse(f[2], CultureInfo.InvariantCulture),
            int.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture),
            double.Parse(f[5], CultureInfo.InvariantCulture), double.Parse(f[6], CultureInfo.InvariantCulture))).ToList();

    [TestMethod]
    public void OscdChange_AllTenCitiesLoadWithTheManifestsSizesDatesAndBands()
    {
        var clock = Stopwatch.StartNew();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var scenes = GeoScene.FromOscdChange(ChangeFolder);
        clock.Stop();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"Loaded {scenes.Count} OSCD change cities in {clock.ElapsedMilliseconds} ms; sample buffers {scenes.Sum(s => s.SampleBytes) / 1e6:F1} MB, " +
            $"managed heap grew {(after - before) / 1e6:F1} MB");
        GC.KeepAlive(scenes);

        var manifest = Manifest();
        Assert.HasCount(10, scenes);
        CollectionAssert.AreEqual(manifest.Select(m => m.City).ToList(), scenes.Select(s => s.Name).ToList());
        foreach (var (scene, row) in scenes.Zip(manifest))
        {
            Assert.AreEqual(row.Width, scene.Width, scene.Name);
            Assert.AreEqual(row.Height, scene.Height, scene.Name);
            Assert.AreEqual(2, scene.DateCount);
            CollectionAssert.AreEqual(new DateTime?[] { row.Date1, row.Date2 }, scene.Dates.ToList());
            CollectionAssert.AreEqual(new[] { "R", "G", "B" }, scene.Bands.ToList());
            Assert.IsTrue(scene.IsByteValued);
            Assert.AreEqual(Path.Combine(ChangeFolder, row.City), scene.Source);
        }
    }

    [TestMethod]
    public void OscdChange_CityFilterLoadsOnlyThoseCities()
    {
        var scenes = GeoScene.FromOscdChange(ChangeFolder, ["Paris", "bercy"]);
        CollectionAssert.AreEqual(new[] { "bercy", "paris" }, scenes.Select(s => s.Name).ToList(), "manifest order, case-insensitive");
    }

    [TestMethod]
    public void OscdChange_WindowPixelsEqualADirectSkiaSharpDecodeAtThatOffset()
    {
        var sampler = SceneWindowSampler.Random(Cities.Value, 96, 12, seed: 7);
        var floats = new float[sampler.SamplesPerWindow];
        var bytes = new byte[sampler.SamplesPerWindow];
        const int plane = 96 * 96;
        foreach (var window in sampler.Windows.Take(6))
        {
            var scene = sampler.Scenes[window.SceneIndex];
            for (int d = 0; d < 2; d++)
            {
                sampler.Fill(window, d, floats);
                sampler.Fill(window, d, bytes);
                using var bitmap = SKBitmap.Decode(Path.Combine(scene.Source, $"t{d + 1}.png"));
                int mismatches = 0;
                for (int y = 0; y < 96; y++)
                    for (int x = 0; x < 96; x++)
                    {
                        var c = bitmap.GetPixel(window.X + x, window.Y + y);
                        int i = y * 96 + x;
                        if (floats[i] != c.Red || floats[plane + i] != c.Green || floats[2 * plane + i] != c.Blue) mismatches++;
                        if (bytes[i] != c.Red || bytes[plane + i] != c.Green || bytes[2 * plane + i] != c.Blue) mismatches++;
                    }
                Assert.AreEqual(0, mismatches, $"{window.LocationId} t{d + 1}");
            }
        }
    }

    [TestMethod]
    public void OscdChange_SameWindowAtBothDatesHasOneLocationIdAndDifferentPixels()
    {
        var sampler = SceneWindowSampler.Random(Cities.Value, 64, 20, seed: 3);
        Assert.HasCount(40, sampler.Records);
        var t1 = new float[sampler.SamplesPerWindow];
        var t2 = new float[sampler.SamplesPerWindow];
        for (int w = 0; w < sampler.Windows.Count; w++)
        {
            var window = sampler.Windows[w];
            var (a, b) = (sampler.Records[2 * w], sampler.Records[2 * w + 1]);
            Assert.AreEqual(window.LocationId, a.LocationId);
            Assert.AreEqual(window.LocationId, b.LocationId);
            Assert.AreEqual($"{sampler.Scenes[window.SceneIndex].Name}@{window.X},{window.Y}", window.LocationId);
            Assert.AreEqual((window.Latitude, window.Longitude), (a.Latitude, a.Longitude));
            Assert.AreEqual((window.Latitude, window.Longitude), (b.Latitude, b.Longitude));
            Assert.AreNotEqual(a.Timestamp, b.Timestamp);
            Assert.AreEqual($"{sampler.Scenes[window.SceneIndex].Source}#{window.X},{window.Y},64@t1", a.ImagePath);
            Assert.EndsWith("@t2", b.ImagePath);
            sampler.FillRecord(2 * w, t1);
            sampler.FillRecord(2 * w + 1, t2);
            Assert.AreEqual((window, 0), sampler.RecordSource(2 * w));
            Assert.AreEqual((window, 1), sampler.RecordSource(2 * w + 1));
            Assert.IsFalse(t1.AsSpan().SequenceEqual(t2), $"{window.LocationId}: the two dates should differ");
        }
    }

    [TestMethod]
    public void OscdChange_CentreWindowIsAtTheManifestCentre_AndLatLonIsMonotonicNorthUp()
    {
        foreach (var (scene, row) in Cities.Value.Zip(Manifest()))
        {
            const int size = 64;
            var centre = SceneWindowSampler.At([scene], size, [(0, (scene.Width - size) / 2, (scene.Height - size) / 2)]).Windows.Single();
            Assert.AreEqual(row.Latitude, centre.Latitude, 1e-4, scene.Name);
            Assert.AreEqual(row.Longitude, centre.Longitude, 1e-4, scene.Name);
            var (lat, lon) = scene.PixelToLatLon(scene.Width / 2.0, scene.Height / 2.0);
            Assert.AreEqual(row.Latitude, lat, 1e-12);
            Assert.AreEqual(row.Longitude, lon, 1e-12);

            var (north, _) = scene.PixelToLatLon(10, 0);
            var (south, _) = scene.PixelToLatLon(10, scene.Height);
            var (_, west) = scene.PixelToLatLon(0, 10);
            var (_, east) = scene.PixelToLatLon(scene.Width, 10);
            Assert.IsGreaterThan(south, north, $"{scene.Name}: row 0 is north");
            Assert.IsGreaterThan(west, east, $"{scene.Name}: column 0 is west");
            // 10 m/px: the scene spans Height x 10 m north-south (one degree of latitude is ~110.6-111.2 km)
            Assert.AreEqual(scene.Height * 10 / 111_000.0, north - south, scene.Height * 10 / 111_000.0 * 0.005, scene.Name);
            // neighbouring windows: down = south, right = east
            var grid = SceneWindowSampler.Grid([scene], size, stride: 16);
            var byPosition = grid.Windows.ToDictionary(w => (w.X, w.Y));
            foreach (var w in grid.Windows)
            {
                if (byPosition.TryGetValue((w.X, w.Y + 16), out var below)) Assert.IsLessThan(w.Latitude, below.Latitude);
                if (byPosition.TryGetValue((w.X + 16, w.Y), out var right)) Assert.IsGreaterThan(w.Longitude, right.Longitude);
            }
        }
    }

    [TestMethod]
    public void OscdChange_ApproximateLatLonAgreesWithTheGeoTiffsWithinTheDocumentedBound()
    {
        // bercy and paris exist as GeoTIFFs on the same grid as their PNGs: measure the 10 m/px approximation's error.
        foreach (var city in new[] { "bercy", "paris" })
        {
            var png = GeoScene.FromOscdChange(ChangeFolder, [city])[0];
            var tif = GeoScene.FromSentinel2(MsiFolder(city), "B02");
            Assert.AreEqual((tif.Width, tif.Height), (png.Width, png.Height), city);
            double worstKm = 0;
            foreach (var (x, y) in new[] { (0, 0), (png.Width, 0), (0, png.Height), (png.Width, png.Height), (png.Width / 2, png.Height / 2) })
            {
                var a = png.PixelToLatLon(x, y);
                var b = tif.PixelToLatLon(x, y);
                double dy = (a.Latitude - b.Latitude) * 111_200, dx = (a.Longitude - b.Longitude) * 111_200 * Math.Cos(b.Latitude * Math.PI / 180);
                worstKm = Math.Max(worstKm, Math.Sqrt(dx * dx + dy * dy) / 1000);
            }
            Console.WriteLine($"{city}: the PNG's approximate lat/lon is off by at most {worstKm:F3} km (at a corner)");
            Assert.IsLessThan(0.7, worstKm, city);
        }
    }

    [TestMethod]
    public void RandomWindows_AreDeterministicForASeed_DifferForAnotherSeed_AndStayInside()
    {
        var a = SceneWindowSampler.Random(Cities.Value, 224, 500, seed: 42);
        var b = SceneWindowSampler.Random(Cities.Value, 224, 500, seed: 42);
        var c = SceneWindowSampler.Random(Cities.Value, 224, 500, seed: 43);
        CollectionAssert.AreEqual(a.Windows.ToList(), b.Windows.ToList());
        CollectionAssert.AreEqual(a.Records.ToList(), b.Records.ToList());
        Assert.IsGreaterThan(400, a.Windows.Zip(c.Windows).Count(p => p.First != p.Second), "another seed draws other windows");
        foreach (var sampler in new[] { a, c })
            foreach (var w in sampler.Windows)
            {
                var scene = sampler.Scenes[w.SceneIndex];
                Assert.IsTrue(w.X >= 0 && w.Y >= 0 && w.X + 224 <= scene.Width && w.Y + 224 <= scene.Height, w.LocationId);
            }
        // area weighting: every city is drawn, the biggest (beihai) more often than the smallest (bercy)
        var perScene = a.Windows.GroupBy(w => a.Scenes[w.SceneIndex].Name).ToDictionary(g => g.Key, g => g.Count());
        Assert.HasCount(10, perScene);
        Assert.IsGreaterThan(perScene["bercy"], perScene["beihai"]);
    }

    [TestMethod]
    public void GridWindows_TileEachSceneWithTheStrideAndStayInside()
    {
        var sampler = SceneWindowSampler.Grid(Cities.Value, 128, stride: 100);
        int expected = Cities.Value.Sum(s => ((s.Width - 128) / 100 + 1) * ((s.Height - 128) / 100 + 1));
        Assert.HasCount(expected, sampler.Windows);
        Assert.HasCount(2 * expected, sampler.Records);
        Assert.AreEqual(sampler.Windows.Count, sampler.Windows.Select(w => w.LocationId).Distinct().Count());
        CollectionAssert.AreEqual(Enumerable.Range(0, sampler.Records.Count).Select(i => (long)i).ToList(), sampler.Records.Select(r => r.Row).ToList());
        foreach (var w in sampler.Windows)
        {
            var scene = sampler.Scenes[w.SceneIndex];
            Assert.AreEqual(0, w.X % 100);
            Assert.AreEqual(0, w.Y % 100);
            Assert.IsTrue(w.X + 128 <= scene.Width && w.Y + 128 <= scene.Height, w.LocationId);
        }
    }

    [TestMethod]
    [DataRow("bercy", "B02,B03,B04,B08")]
    [DataRow("paris", "B02,B03,B04,B08")]
    [DataRow("bercy", "all")]
    [DataRow("paris", "all")]
    public void Sentinel2_WindowPixelsEqualTheStack_LatLonEqualsTheB02File_DatesFromDatesTxt(string city, string bands)
    {
        var clock = Stopwatch.StartNew();
        var scene = GeoScene.FromSentinel2(MsiFolder(city), bands);
        Console.WriteLine($"{city} {bands}: loaded in {clock.ElapsedMilliseconds} ms, {scene.SampleBytes / 1e6:F1} MB");
        var stacks = new[] { "imgs_1", "imgs_2" }.Select(f => Sentinel2BandStacker.Stack(Path.Combine(MsiFolder(city), f), bands)).ToArray();
        Assert.AreEqual((stacks[0].Width, stacks[0].Height), (scene.Width, scene.Height));
        CollectionAssert.AreEqual(stacks[0].Bands.ToList(), scene.Bands.ToList());
        Assert.IsFalse(scene.IsByteValued);

        var dates = File.ReadAllLines(Path.Combine(MsiFolder(city), "dates.txt")).Select(l => DateTime.ParseExact(l.Split(':')[1].Trim(), "yyyyMMdd", CultureInfo.InvariantCulture));
        CollectionAssert.AreEqual(dates.Select(d => (DateTime?)d).ToList(), scene.Dates.ToList());

        var sampler = SceneWindowSampler.Random([scene], 64, 8, seed: 1);
        var window = new float[sampler.SamplesPerWindow];
        foreach (var w in sampler.Windows)
            for (int d = 0; d < 2; d++)
            {
                sampler.Fill(w, d, window);
                for (int c = 0; c < scene.Channels; c++)
                    for (int y = 0; y < 64; y += 7)
                        for (int x = 0; x < 64; x += 5)
                            Assert.AreEqual(stacks[d][c, w.Y + y, w.X + x], window[(c * 64 + y) * 64 + x], $"{w.LocationId} t{d + 1} {scene.Bands[c]}");
            }
        Assert.ThrowsExactly<InvalidOperationException>(() => sampler.Fill(sampler.Windows[0], 0, new byte[sampler.SamplesPerWindow]));

        var b02 = GeoTiffReader.ReadInfo(Sentinel2BandFiles.Find(Path.Combine(MsiFolder(city), "imgs_1"))["B02"]);
        foreach (var (col, row) in new[] { (0.0, 0.0), (0.5, 0.5), (123.5, 77.5), (scene.Width, scene.Height) })
        {
            var (lon, lat) = b02.PixelToLonLat(col, row);
            var got = scene.PixelToLatLon(col, row);
            Assert.AreEqual(lat, got.Latitude, 1e-12);
            Assert.AreEqual(lon, got.Longitude, 1e-12);
        }
        var first = sampler.Windows[0];
        var (centreLon, centreLat) = b02.PixelToLonLat(first.X + 32, first.Y + 32);
        Assert.AreEqual((centreLat, centreLon), (first.Latitude, first.Longitude));
    }

    [TestMethod]
    public void Records_TemporalPairSamplerPairsEveryWindowWithItsOtherDate()
    {
        var sampler = SceneWindowSampler.Grid(Cities.Value, 96, stride: 96);
        var pairs = new TemporalPairSampler(sampler.Records, useTemporalPositives: true);
        Assert.AreEqual(sampler.Windows.Count, pairs.LocationCount);
        var rng = new Random(5);
        for (int i = 0; i < sampler.Records.Count; i++)
        {
            int positive = pairs.PositiveFor(i, rng);
            var (window, date) = sampler.RecordSource(i);
            var (otherWindow, otherDate) = sampler.RecordSource(positive);
            Assert.AreSame(window, otherWindow, sampler.Records[i].ImagePath);
            Assert.AreEqual(1 - date, otherDate);
        }
    }

    [TestMethod]
    public void Records_GeoClustererSeparatesTheTenCities()
    {
        var sampler = SceneWindowSampler.Random(Cities.Value, 64, 400, seed: 11);
        var (labels, clusters) = GeoClusterer.Cluster(sampler.Records.Select(r => (r.Latitude, r.Longitude)).ToList(), 10, seed: 0);
        Assert.IsGreaterThan(1, clusters);
        // same window → same label; windows of far-apart cities (abudhabi vs paris) → different labels
        for (int i = 0; i < labels.Length; i += 2) Assert.AreEqual(labels[i], labels[i + 1]);
        int LabelOf(string city) => labels[sampler.Records.Select((r, i) => (r, i)).First(p => p.r.LocationId.StartsWith(city + "@")).i];
        Assert.AreNotEqual(LabelOf("abudhabi"), LabelOf("paris"));
        Assert.AreNotEqual(LabelOf("hongkong"), LabelOf("bordeaux"));
        Console.WriteLine($"{clusters} geo clusters over {sampler.Windows.Count} windows of 10 cities");
    }
}
