using GeoSSL.Data.Manifests;
using GeoSSL.Data.Records;
using Parquet;
using Parquet.Schema;

namespace GeoSSL.Tests.Data;

[TestClass]
public sealed class ManifestTests
{
    private static string SharedRgbFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-s2-rgb"));

    /// <summary>N synthetic rows: two dates per location, awkward paths (comma, quote, non-ASCII) and full-precision coordinates.</summary>
    private static IEnumerable<GeoImageRecord> Synthetic(int n) => Enumerable.Range(0, n).Select(i => new GeoImageRecord(i,
        i % 50 == 7 ? $"tiles/a,b \"q\"/é_{i}.png" : $"tiles/t_{i}.png", $"loc_{i / 2}",
        -60 + (i % 1000) * 0.1234567891234, 179.99999999 - (i % 777) * 0.4636363636361, new DateTime(2016, 1, 1).AddDays(i % 2 * 400 + i % 13)));

    private static readonly ManifestColumns WithDates = new() { Timestamp = "Timestamp" };

    [TestMethod]
    [DataRow("manifest.csv")]
    [DataRow("manifest.parquet")]
    public void Manifest_RoundTripsEveryRow(string name)
    {
        var path = Path.Combine(TestData.TempFolder("manifest-roundtrip"), name);
        var written = Synthetic(1234).ToList();
        Assert.AreEqual(1234L, ManifestWriter.Write(path, written, WithDates, rowGroupSize: 100));
        var read = ManifestReader.Read(path, WithDates).ToList();
        CollectionAssert.AreEqual(written, read);
    }

    [TestMethod]
    [DataRow("manifest.csv")]
    [DataRow("manifest.parquet")]
    public void Manifest_ResolvesRelativePathsAgainstTheImageFolder_AndKeepsAbsoluteOnes(string name)
    {
        var dir = TestData.TempFolder("manifest-folder");
        var path = Path.Combine(dir, name);
        var absolute = Path.Combine(dir, "abs.png");
        ManifestWriter.Write(path, new[] { new GeoImageRecord(0, "tiles/a.png", "x", 1, 2), new GeoImageRecord(1, absolute, "y", 3, 4) });
        var read = ManifestReader.Read(path, new ManifestColumns { ImageFolder = "/data/root" }).ToList();
        Assert.AreEqual(Path.Combine("/data/root", "tiles/a.png"), read[0].ImagePath);
        Assert.AreEqual(absolute, read[1].ImagePath);
        Assert.IsNull(read[0].Timestamp);
    }

    [TestMethod]
    public void SharedOscdManifest_ReadsWithItsOwnColumnNames()
    {
        var columns = new ManifestColumns { Timestamp = "Date", ImageFolder = SharedRgbFolder };
        var records = ManifestReader.Read(Path.Combine(SharedRgbFolder, "manifest.csv"), columns).ToList();
        Assert.AreEqual(3790, records.Count);
        Assert.IsTrue(records.Take(50).All(r => File.Exists(r.ImagePath) && r.Timestamp is not null));
        Assert.AreEqual("abudhabi_00_00", records[0].LocationId);
        Assert.AreEqual(new DateTime(2016, 1, 20), records[0].Timestamp);
        RecordValidator.Validate(records);
    }

    [TestMethod]
    public void Parquet_ReadingTheFirstRowsReadsOneRowGroup()
    {
        var path = Path.Combine(TestData.TempFolder("manifest-lazy"), "big.parquet");
        ManifestWriter.Write(path, Synthetic(200_000), WithDates, rowGroupSize: 10_000);
        _ = ManifestReader.Read(path, WithDates).Take(10).ToList(); // warm up (JIT, Parquet.Net's static state)
        long before = GC.GetAllocatedBytesForCurrentThread();
        var first = ManifestReader.Read(path, WithDates).Take(10).ToList();
        long firstBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        long count = ManifestReader.Read(path, WithDates).LongCount();
        long allBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"first 10 rows: {firstBytes / 1e6:F1} MB allocated; all {count} rows: {allBytes / 1e6:F1} MB");
        Assert.AreEqual(200_000L, count);
        Assert.AreEqual(10, first.Count);
        // One group of 20 is read: allow 3 groups' worth for the reader's fixed costs.
        Assert.IsLessThan(allBytes * 3 / 20, firstBytes);
    }

    [TestMethod]
    [DataRow("manifest.csv")]
    [DataRow("manifest.parquet")]
    public void MissingColumn_ErrorNamesFileAndColumn(string name)
    {
        var path = Path.Combine(TestData.TempFolder("manifest-missing"), name);
        ManifestWriter.Write(path, Synthetic(3));
        var e = Assert.ThrowsExactly<GeoDataException>(() => ManifestReader.Read(path, new ManifestColumns { Latitude = "Lat" }).ToList());
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "'Lat'");
        Assert.AreEqual("Lat", e.Column);
        Assert.AreEqual(path, e.FilePath);
    }

    [TestMethod]
    public void Csv_BadNumberAndBadDate_ErrorsNameRowAndColumn_AfterTheGoodRows()
    {
        var dir = TestData.TempFolder("manifest-bad");
        var path = Path.Combine(dir, "m.csv");
        File.WriteAllLines(path, new[]
        {
            "ImagePath,LocationId,Latitude,Longitude,Timestamp",
            "a.png,l1,1.5,2.5,2016-01-20", "b.png,l1,1.5,2.5,2017-01-20", "c.png,l2,54;5,2.5,2017-01-20",
        });
        var rows = new List<GeoImageRecord>();
        var e = Assert.ThrowsExactly<GeoDataException>(() => { foreach (var r in ManifestReader.Read(path, WithDates)) rows.Add(r); });
        Assert.AreEqual(2, rows.Count, "rows before the bad one are streamed");
        Assert.AreEqual(2L, e.Row);
        Assert.AreEqual("Latitude", e.Column);
        StringAssert.Contains(e.Message, "row 2");
        StringAssert.Contains(e.Message, "'54;5'");

        File.WriteAllLines(path, new[] { "ImagePath,LocationId,Latitude,Longitude,Timestamp", "a.png,l1,1,2,20.01.2016x" });
        e = Assert.ThrowsExactly<GeoDataException>(() => ManifestReader.Read(path, WithDates).ToList());
        Assert.AreEqual(0L, e.Row);
        Assert.AreEqual("Timestamp", e.Column);
        StringAssert.Contains(e.Message, "not a date");

        File.WriteAllLines(path, new[] { "ImagePath,LocationId,Latitude,Longitude", "a.png,l1,1,2", "b.png,l1,54,5,2" });
        e = Assert.ThrowsExactly<GeoDataException>(() => ManifestReader.Read(path).ToList());
        Assert.AreEqual(1L, e.Row);
        StringAssert.Contains(e.Message, "5 fields where the header has 4");
    }

    [TestMethod]
    public async Task Parquet_TextAndNullCells_ErrorsNameRowAndColumn_OtherTypesConvert()
    {
        var path = Path.Combine(TestData.TempFolder("manifest-parquet-types"), "m.parquet");
        var image = new DataField("ImagePath", typeof(string));
        var location = new DataField("LocationId", typeof(long));
        var lat = new DataField("Latitude", typeof(string));
        var lon = new DataField("Longitude", typeof(float), isNullable: true);
        using (var stream = File.Create(path))
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(image, location, lat, lon), stream);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(image, new[] { "a.png", "b.png", "c.png" }, null);
            await group.WriteAsync<long>(location, new long[] { 7, 7, 8 }, null);
            await group.WriteAsync(lat, new[] { "1.25", "1.25", "north" }, null);
            await group.WriteAsync<float>(lon, new float?[] { 2.5f, 2.5f, null }, null);
        }
        var e = Assert.ThrowsExactly<GeoDataException>(() => ManifestReader.Read(path).ToList());
        Assert.AreEqual(2L, e.Row);
        Assert.AreEqual("Latitude", e.Column);
        StringAssert.Contains(e.Message, "'north'");
        StringAssert.Contains(e.Message, path);
        // Reading just a valid prefix is not possible within the failing row group, but the types themselves convert:
        var ok = Path.Combine(Path.GetDirectoryName(path)!, "ok.parquet");
        using (var stream = File.Create(ok))
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(image, location, lat, lon), stream);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(image, new[] { "a.png" }, null);
            await group.WriteAsync<long>(location, new long[] { 7 }, null);
            await group.WriteAsync(lat, new[] { "1.25" }, null);
            await group.WriteAsync<float>(lon, new float?[] { 2.5f }, null);
        }
        Assert.AreEqual(new GeoImageRecord(0, "a.png", "7", 1.25, 2.5), ManifestReader.Read(ok).Single());

        var nulls = Path.Combine(Path.GetDirectoryName(path)!, "null.parquet");
        ManifestWriter.Write(nulls, new[] { new GeoImageRecord(0, "a.png", "l", 1, 2, new DateTime(2016, 1, 1)), new GeoImageRecord(1, "b.png", "l", 1, 2) }, WithDates);
        e = Assert.ThrowsExactly<GeoDataException>(() => ManifestReader.Read(nulls, WithDates).ToList());
        Assert.AreEqual(1L, e.Row);
        Assert.AreEqual("Timestamp", e.Column);
    }

    [TestMethod]
    public void MissingManifest_ErrorNamesTheFile()
    {
        var path = Path.Combine(TestData.TempFolder("manifest-none"), "none.parquet");
        var e = Assert.ThrowsExactly<GeoDataException>(() => ManifestReader.Read(path).First());
        Assert.AreEqual(path, e.FilePath);
    }
}
