using GeoSSL.Data.Records;
using GeoSSL.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Tests.MLNet;

/// <summary>
/// The bad-input matrix for a CSV manifest loaded the way users load one (samples/GeoSSL.Pretrain): LoadFromTextFile with
/// a class mapping columns by position. The text loader hides three mistakes (it ignores header names, reads an empty number
/// as 0, and drops extra fields); each must still be a named error.
/// </summary>
[TestClass]
public sealed class BadInputManifestTests
{
    /// <summary>As samples/GeoSSL.Pretrain/ManifestRow.cs declares a manifest line.</summary>
    private sealed class ManifestRow
    {
        [LoadColumn(0)] public string ImagePath { get; set; } = "";
        [LoadColumn(1)] public string LocationId { get; set; } = "";
        [LoadColumn(2)] public string City { get; set; } = "";
        [LoadColumn(3)] public double Latitude { get; set; }
        [LoadColumn(4)] public double Longitude { get; set; }
        [LoadColumn(5)] public string Date { get; set; } = "";
    }

    /// <summary>The same with float coordinates, which an ML.NET user might choose as well.</summary>
    private sealed class FloatManifestRow
    {
        [LoadColumn(0)] public string ImagePath { get; set; } = "";
        [LoadColumn(1)] public string LocationId { get; set; } = "";
        [LoadColumn(3)] public float Latitude { get; set; }
        [LoadColumn(4)] public float Longitude { get; set; }
        [LoadColumn(5)] public string Date { get; set; } = "";
    }

    private readonly MLContext ml = new(seed: 1);
    private string folder = "";
    private string output = "";

    [TestInitialize]
    public void Folders()
    {
        folder = TestData.TempFolder("bad-manifest");
        output = Path.Combine(folder, "run");
        Directory.CreateDirectory(output);
    }

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(folder, recursive: true);

    /// <summary>The bundled manifest's header and first 64 lines (paths relative to the OSCD folder), each split on commas.</summary>
    private static List<List<string>> Lines() =>
        File.ReadAllLines(TestData.OscdManifest).Take(65).Select(l => l.Split(',').ToList()).ToList();

    private string Write(List<List<string>> lines, char separator = ',')
    {
        var path = Path.Combine(folder, "manifest.csv");
        File.WriteAllLines(path, lines.Select(l => string.Join(separator, l)));
        return path;
    }

    private Exception Fails<TRow>(string manifest, char separator = ',') where TRow : class
    {
        var data = ml.Data.LoadFromTextFile<TRow>(manifest, separatorChar: separator, hasHeader: true);
        var options = TileRows.TinyOptions(output, epochs: 1);
        options.ImageFolder = TestData.OscdFolder;
        return FitFailure.Of(ml, data, options, output);
    }

    [TestMethod]
    public void ManifestWithoutLatitudeColumn_NamesTheMissingColumn()
    {
        var lines = Lines();
        foreach (var line in lines) line.RemoveAt(3);
        string manifest = Write(lines);
        // What the loader makes of it: Latitude gets the longitudes, Longitude the dates (NaN), Date nothing.
        var first = ml.Data.CreateEnumerable<ManifestRow>(ml.Data.LoadFromTextFile<ManifestRow>(manifest, ',', hasHeader: true), false).First();
        Assert.IsTrue(double.IsNaN(first.Longitude));

        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(manifest));
        StringAssert.Contains(e.Message, "Column 'Latitude' (LatitudeColumnName) is not in the header of 'manifest.csv'");
        StringAssert.Contains(e.Message, "ImagePath, LocationId, City, Longitude, Date");
        StringAssert.Contains(e.Message, "LoadColumn(3) reads the file's 'Longitude' column");
        Assert.AreEqual("Latitude", e.Column);
        Assert.AreEqual(manifest, e.FilePath);
    }

    [TestMethod]
    public void SwappedCoordinateColumns_AreNamed()
    {
        var lines = Lines();
        foreach (var line in lines) (line[3], line[4]) = (line[4], line[3]);
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines)));
        StringAssert.Contains(e.Message, "Column 'Latitude' (LatitudeColumnName) is loaded from field 4 (LoadColumn(3)) of 'manifest.csv', which the header names 'Longitude'");
        StringAssert.Contains(e.Message, "'Latitude' is field 5");
    }

    [TestMethod]
    public void RenamedHeader_IsNotAnError()
    {
        // 'lat'/'lon' in the header, loaded by position into Latitude/Longitude: a renaming, which is fine. The run then
        // stops at an empty date on row 3, which shows the header check let the file through.
        var lines = Lines();
        (lines[0][3], lines[0][4]) = ("lat", "lon");
        lines[4][5] = "";
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines)));
        StringAssert.Contains(e.Message, "Row 3: column 'Date' (TimestampColumnName) is empty");
    }

    [TestMethod]
    public void EmptyLatitudeCell_IsAnErrorNotZero()
    {
        var lines = Lines();
        lines[6][3] = "";
        string manifest = Write(lines);
        var rows = ml.Data.CreateEnumerable<FloatManifestRow>(ml.Data.LoadFromTextFile<FloatManifestRow>(manifest, ',', hasHeader: true), false).ToList();
        Assert.AreEqual(0f, rows[5].Latitude, "the text loader reads the empty cell as 0, a valid latitude");

        foreach (var e in new[] { Fails<ManifestRow>(manifest), Fails<FloatManifestRow>(manifest) }.Select(FitFailure.As<GeoDataException>))
        {
            StringAssert.Contains(e.Message, "Row 5 (line 7 of 'manifest.csv'): column 'Latitude' is empty");
            StringAssert.Contains(e.Message, "reads an empty number as 0");
            Assert.AreEqual(5L, e.Row);
            Assert.AreEqual("Latitude", e.Column);
        }
    }

    [TestMethod]
    public void MissingLongitudeField_AtTheEndOfARow_IsAnError()
    {
        // a row cut short after its latitude: no longitude and no date
        var lines = Lines();
        lines[10].RemoveRange(4, 2);
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines)));
        StringAssert.Contains(e.Message, "Row 9 (line 11 of 'manifest.csv'): column 'Longitude' is empty");
    }

    [TestMethod]
    public void DecimalCommaInACommaSeparatedFile_SaysTheRowHasAFieldTooMany()
    {
        var lines = Lines();
        lines[10][3] = lines[10][3].Replace('.', ','); // 24,363481: one field more, every later cell shifted
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines)));
        StringAssert.Contains(e.Message, "Row 9 (line 11 of 'manifest.csv') has 7 fields, its header 6");
        StringAssert.Contains(e.Message, "decimal comma");
        Assert.AreEqual(9L, e.Row);
    }

    [TestMethod]
    public void TrailingEmptyField_IsAccepted()
    {
        // "...,2016-01-20," is sloppy but shifts nothing; the run stops later, at the conflict planted on row 20
        var lines = Lines();
        lines[5].Add("");
        lines[22][3] = "10.5";
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines)));
        StringAssert.Contains(e.Message, "Rows 20 and 21");
    }

    [TestMethod]
    public void DecimalCommasInASemicolonFile_SayNotANumberInInvariantFormat()
    {
        // A manifest written in a decimal-comma locale: ';' separators and '24,363481'. ML.NET reads the numbers as NaN.
        var lines = Lines();
        foreach (var line in lines.Skip(1)) { line[3] = line[3].Replace('.', ','); line[4] = line[4].Replace('.', ','); }
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines, ';'), ';'));
        StringAssert.Contains(e.Message, "Row 0: column 'Latitude' is NaN");
        StringAssert.Contains(e.Message, "not a number in invariant format");
    }

    [TestMethod]
    public void WordInTheLatitudeColumn_SaysNotANumber()
    {
        var lines = Lines();
        lines[3][3] = "north";
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines)));
        StringAssert.Contains(e.Message, "Row 2: column 'Latitude' is NaN: the cell is empty or not a number in invariant format");
    }

    [TestMethod]
    public void LatitudeOutOfRange_InTheFile_NamesRowAndColumn()
    {
        var lines = Lines();
        lines[3][3] = "124.36";
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines)));
        StringAssert.Contains(e.Message, "Row 2: column 'Latitude' is 124.36, outside [-90, 90]");
    }

    [TestMethod]
    public void EmptyDateCell_NamesRowAndColumn()
    {
        var lines = Lines();
        lines[4][5] = "";
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(lines)));
        StringAssert.Contains(e.Message, "Row 3: column 'Date' (TimestampColumnName) is empty");
    }

    [TestMethod]
    public void HeaderOnly_SaysThereAreNoRows()
    {
        var e = FitFailure.As<GeoDataException>(Fails<ManifestRow>(Write(Lines().Take(1).ToList())));
        StringAssert.Contains(e.Message, "no rows");
    }
}
