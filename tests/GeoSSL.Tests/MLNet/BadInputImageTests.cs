using GeoSSL.Core.Engine;
using GeoSSL.Core.Training;
using GeoSSL.Data.Records;
using GeoSSL.MLNet;
using GeoSSL.Tests.Classification;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;
using MetricNames = GeoSSL.MLNet.MetricNames;
using PretrainVariant = GeoSSL.MLNet.PretrainVariant;

namespace GeoSSL.Tests.MLNet;

/// <summary>
/// The bad-input matrix through <c>GeoContrastivePretrain(options).Fit</c>: broken image files, unusual but valid encodings,
/// BadImagePolicy, and metadata that is wrong only in combination (locations, dates).
/// </summary>
[TestClass]
public sealed class BadInputImageTests
{
    private readonly MLContext ml = new(seed: 1);
    private readonly List<(ChannelMessageKind Kind, string Message)> log = new();
    private string output = "";
    private string files = "";

    [TestInitialize]
    public void Folders()
    {
        output = TestData.TempFolder("bad-image-run");
        files = TestData.TempFolder("bad-image-files");
        ml.Log += (_, e) => { lock (log) log.Add((e.Kind, e.Message)); };
    }

    [TestCleanup]
    public void RemoveFolders()
    {
        Directory.Delete(output, recursive: true);
        Directory.Delete(files, recursive: true);
    }

    private GeoContrastivePretrainEstimator.Options Options(Action<GeoContrastivePretrainEstimator.Options>? change = null)
    {
        var options = TileRows.TinyOptions(output, epochs: 1);
        options.MonitorEveryNEpochs = 0;
        change?.Invoke(options);
        return options;
    }

    private Exception Fails(List<TileRow> rows, Action<GeoContrastivePretrainEstimator.Options>? change = null) =>
        FitFailure.Of(ml, ml.Data.LoadFromEnumerable(rows), Options(change), output);

    private GeoPretrainReport Trains(List<TileRow> rows, GeoContrastivePretrainEstimator.Options options)
    {
        var estimator = ml.Transforms.GeoContrastivePretrain(options);
        using var featurizer = estimator.Fit(ml.Data.LoadFromEnumerable(rows));
        var report = estimator.LastReport!;
        Assert.HasCount(1, report.Epochs);
        Assert.IsTrue(double.IsFinite(report.Epochs[0].Loss), $"loss {report.Epochs[0].Loss}");
        return report;
    }

    private static List<TileRow> Rows(int count, Action<List<TileRow>>? mutate = null)
    {
        var rows = TileRows.Load(count);
        mutate?.Invoke(rows);
        return rows;
    }

    // ---- broken files, BadImagePolicy.Fail (the default) -----------------------------------------------------------

    [TestMethod]
    public void TruncatedPng_Fails_NamingRowAndFile()
    {
        string truncated = BadImages.Truncated(files);
        var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[9].ImagePath = truncated)));
        StringAssert.Contains(e.Message, "Row 9");
        StringAssert.Contains(e.Message, truncated);
        StringAssert.Contains(e.Message, "truncated");
        Assert.AreEqual(truncated, e.FilePath);
    }

    [TestMethod]
    public void ZeroByteFile_Fails_SayingItIsEmpty()
    {
        string empty = BadImages.ZeroBytes(files);
        var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[12].ImagePath = empty)));
        StringAssert.Contains(e.Message, "Row 12");
        StringAssert.Contains(e.Message, empty);
        StringAssert.Contains(e.Message, "empty (0 bytes)");
    }

    [TestMethod]
    public void TextFileNamedPng_Fails_SayingItIsNotAnImage()
    {
        string text = BadImages.TextNamedPng(files);
        var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[40].ImagePath = text)));
        StringAssert.Contains(e.Message, "Row 40");
        StringAssert.Contains(e.Message, text);
        StringAssert.Contains(e.Message, "not a readable image");
    }

    // ---- valid but unusual images -------------------------------------------------------------------------------

    [TestMethod]
    public void UnusualEncodingsSizesAndShapes_AreDecodedResizedAndTrained()
    {
        var unusual = new[]
        {
            BadImages.Fixture("gray8.png"), BadImages.Fixture("rgb16.png"), BadImages.Fixture("palette.png"), BadImages.Fixture("cmyk.jpg"),
            BadImages.TwoColour(files, "wide.png", 128, 64), BadImages.TwoColour(files, "small.png", 20, 20),
        };
        var rows = Rows(64, r =>
        {
            for (int i = 0; i < unusual.Length; i++) r[2 * i].ImagePath = unusual[i];
            r[1].Latitude += 5e-7; // same location as row 0, within the tolerance of a rounding difference
        });
        var report = Trains(rows, Options());
        Assert.AreEqual(64, report.Images);
        Assert.HasCount(0, report.SkippedImages);
        Assert.HasCount(0, report.Warnings);
    }

    // ---- BadImagePolicy.Skip ---------------------------------------------------------------------------------------

    [TestMethod]
    public void Skip_LeavesUnreadableImagesOut_CountsLogsAndReportsThem()
    {
        string missing = Path.Combine(files, "missing.png"), empty = BadImages.ZeroBytes(files), truncated = BadImages.Truncated(files), text = BadImages.TextNamedPng(files);
        var rows = Rows(68, r => { r[3].ImagePath = missing; r[10].ImagePath = empty; r[20].ImagePath = truncated; r[30].ImagePath = text; });
        var progress = new List<TrainingProgress>();
        var options = Options(o => { o.BadImagePolicy = BadImagePolicy.Skip; o.Progress = new SyncProgress<TrainingProgress>(progress.Add); });

        var report = Trains(rows, options);

        Assert.AreEqual(64, report.Images);
        CollectionAssert.AreEqual(new long?[] { 3, 10, 20, 30 }, report.SkippedImages.Select(s => s.Row).ToArray());
        CollectionAssert.AreEqual(new[] { missing, empty, truncated, text }, report.SkippedImages.Select(s => s.FilePath).ToArray());
        StringAssert.Contains(report.SkippedImages[2].Reason, "truncated");
        Assert.HasCount(1, report.Warnings);
        StringAssert.Contains(report.Warnings[0], "Skipped 4 unreadable images");
        StringAssert.Contains(report.Warnings[0], missing);
        Assert.IsTrue(log.Any(m => m.Kind == ChannelMessageKind.Warning && m.Message.Contains("Skipped 4") && m.Message.Contains(truncated)),
            "the skip is logged as a warning naming the files");
        Assert.IsNotEmpty(progress);
        Assert.IsTrue(progress.All(p => p.SkippedImages == 4), "every progress report carries the count");
        StringAssert.Contains(progress[^1].ToString(), "4 unreadable images skipped");
    }

    [TestMethod]
    public void Skip_TooFewRowsLeft_SaysHowManyWereSkipped()
    {
        string empty = BadImages.ZeroBytes(files);
        var e = FitFailure.As<GeoDataException>(Fails(Rows(34, r => { r[0].ImagePath = empty; r[1].ImagePath = empty; r[2].ImagePath = empty; }),
            o => o.BadImagePolicy = BadImagePolicy.Skip));
        StringAssert.Contains(e.Message, "After skipping 3 unreadable images, 31 rows remain");
        StringAssert.Contains(e.Message, "batch of 32");
    }

    [TestMethod]
    public void Skip_DoesNotSkipMetadataErrors()
    {
        var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[5].Latitude = double.NaN), o => o.BadImagePolicy = BadImagePolicy.Skip));
        StringAssert.Contains(e.Message, "Row 5");
        StringAssert.Contains(e.Message, "'Latitude'");
        var empty = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[6].ImagePath = ""), o => o.BadImagePolicy = BadImagePolicy.Skip));
        StringAssert.Contains(empty.Message, "Row 6: column 'ImagePath' is empty");
    }

    // ---- locations ------------------------------------------------------------------------------------------------

    [TestMethod]
    public void LocationWithTwoCoordinates_NamesIdRowsAndBothPairs()
    {
        var rows = Rows(64);
        Assert.AreEqual(rows[0].LocationId, rows[1].LocationId, "the bundled manifest lists the two dates of a location together");
        rows[1].Latitude += 0.01;
        var e = FitFailure.As<GeoDataException>(Fails(rows));
        StringAssert.Contains(e.Message, "Rows 0 and 1");
        StringAssert.Contains(e.Message, $"'{rows[0].LocationId}'");
        StringAssert.Contains(e.Message, $"({rows[0].Latitude.ToString(System.Globalization.CultureInfo.InvariantCulture)}, ");
        StringAssert.Contains(e.Message, $"({rows[1].Latitude.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture)}, ");
        Assert.AreEqual("LocationId", e.Column);
    }

    [TestMethod]
    public void EmptyLocationId_NamesRowAndColumn()
    {
        var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[6].LocationId = " ")));
        StringAssert.Contains(e.Message, "Row 6: column 'LocationId' is empty");
    }

    [TestMethod]
    public void SingleLocation_GeoVariant_TrainsWithAWarningInLogAndReport()
    {
        var rows = Rows(64, r => { foreach (var row in r) (row.LocationId, row.Latitude, row.Longitude) = ("only-site", 24.36, 54.54); });
        var report = Trains(rows, Options());
        Assert.AreEqual(1, report.GeoClusters);
        Assert.AreEqual(0.0, report.Epochs[0].Metric(MetricNames.Geo), 1e-6, "one cluster: the geo loss is 0");
        Assert.HasCount(1, report.Warnings);
        StringAssert.Contains(report.Warnings[0], "single cluster");
        StringAssert.Contains(report.Warnings[0], "1 location share one coordinate");
        Assert.IsTrue(log.Any(m => m.Kind == ChannelMessageKind.Warning && m.Message.Contains("single cluster")), "warned in the MLContext log");
    }

    [TestMethod]
    public void SingleLocation_GeoOnly_FailsBecauseNothingWouldBeLearned()
    {
        var rows = Rows(64, r => { foreach (var row in r) (row.LocationId, row.Latitude, row.Longitude) = ("only-site", 24.36, 54.54); });
        var e = FitFailure.As<GeoDataException>(Fails(rows, o => o.Variant = PretrainVariant.GeoOnly));
        StringAssert.Contains(e.Message, "single cluster");
        StringAssert.Contains(e.Message, "nothing would be learned");
    }

    // ---- coordinates and dates --------------------------------------------------------------------------------------

    [TestMethod]
    public void NaNLatitude_SaysEmptyOrNotInvariantNumber()
    {
        var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[5].Latitude = double.NaN)));
        StringAssert.Contains(e.Message, "Row 5: column 'Latitude' is NaN");
        StringAssert.Contains(e.Message, "empty or not a number in invariant format");
        StringAssert.Contains(e.Message, "'54,5'");
    }

    [TestMethod]
    public void InfiniteLongitude_NamesRowAndColumn()
    {
        var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[8].Longitude = double.PositiveInfinity)));
        StringAssert.Contains(e.Message, "Row 8: column 'Longitude' is +infinity");
    }

    [TestMethod]
    public void EmptyOrBlankDate_NamesRowAndColumn()
    {
        foreach (var blank in new[] { "", "   " })
        {
            var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[8].Date = blank)));
            StringAssert.Contains(e.Message, "Row 8: column 'Date' (TimestampColumnName) is empty");
            Assert.AreEqual("Date", e.Column);
        }
    }

    [TestMethod]
    public void NumberInTheDateColumn_SuggestsAShiftedRow()
    {
        var e = FitFailure.As<GeoDataException>(Fails(Rows(64, r => r[8].Date = "54.543262")));
        StringAssert.Contains(e.Message, "Row 8: column 'Date' holds '54.543262', which is not a date");
        StringAssert.Contains(e.Message, "field too many");
        StringAssert.Contains(e.Message, "'54,5'");
    }
}
