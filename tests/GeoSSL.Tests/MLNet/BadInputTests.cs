using GeoSSL.Core.Engine;
using GeoSSL.Data.Records;
using Microsoft.ML;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;

namespace GeoSSL.Tests.MLNet;

/// <summary>Every kind of bad input fails before training with a message naming the row, column or file, and leaves no files behind.</summary>
[TestClass]
public sealed class BadInputTests
{
    private readonly MLContext ml = new(seed: 1);
    private string folder = "";

    [TestInitialize]
    public void NewFolder() => folder = TestData.TempFolder("bad-input");

    private Exception FitExpectingFailure(IEnumerable<TileRow> rows, Action<GeoSSL.MLNet.GeoContrastivePretrainEstimator.Options>? change = null)
    {
        var options = TileRows.TinyOptions(folder, epochs: 1);
        change?.Invoke(options);
        return FitFailure.Of(ml, ml.Data.LoadFromEnumerable(rows), options, folder);
    }

    private static T Expect<T>(Exception e) where T : Exception => FitFailure.As<T>(e);

    private static List<TileRow> Rows(Action<List<TileRow>> mutate)
    {
        var rows = TileRows.Load(64);
        mutate(rows);
        return rows;
    }

    [TestMethod]
    public void MissingImageFile_NamesRowAndPath()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(Rows(r => r[7].ImagePath = "/nonexistent/tile_7.png")));
        StringAssert.Contains(e.Message, "Row 7");
        StringAssert.Contains(e.Message, "/nonexistent/tile_7.png");
        Assert.AreEqual("/nonexistent/tile_7.png", e.FilePath);
    }

    [TestMethod]
    public void UnreadableImage_NamesTheFile()
    {
        string corrupt = Path.Combine(TestData.TempFolder("corrupt"), "broken.png");
        File.WriteAllBytes(corrupt, Enumerable.Range(0, 500).Select(i => (byte)(i * 37)).ToArray());
        var e = Expect<GeoDataException>(FitExpectingFailure(Rows(r => r[3].ImagePath = corrupt)));
        StringAssert.Contains(e.Message, "Row 3");
        StringAssert.Contains(e.Message, "broken.png");
    }

    [TestMethod]
    public void LatitudeOutOfRange_NamesRowAndColumn()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(Rows(r => r[11].Latitude = 95)));
        StringAssert.Contains(e.Message, "Row 11");
        StringAssert.Contains(e.Message, "'Latitude'");
        Assert.AreEqual(11L, e.Row);
    }

    [TestMethod]
    public void LongitudeOutOfRange_NamesRowAndColumn()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(Rows(r => r[12].Longitude = -190)));
        StringAssert.Contains(e.Message, "Row 12");
        StringAssert.Contains(e.Message, "'Longitude'");
    }

    [TestMethod]
    public void NaNCoordinate_NamesRow()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(Rows(r => r[5].Latitude = double.NaN)));
        StringAssert.Contains(e.Message, "Row 5");
        StringAssert.Contains(e.Message, "NaN");
    }

    [TestMethod]
    public void EmptyInput_SaysSo()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(new List<TileRow>()));
        StringAssert.Contains(e.Message, "no rows");
    }

    [TestMethod]
    public void FewerRowsThanOneBatch_SaysHowMany()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(TileRows.Load(20)));
        StringAssert.Contains(e.Message, "20 rows");
        StringAssert.Contains(e.Message, "batch of 32");
    }

    [TestMethod]
    public void UnknownColumn_NamesColumnOptionAndAlternatives()
    {
        var e = Expect<ArgumentException>(FitExpectingFailure(TileRows.Load(64), o => o.LocationColumnName = "Site"));
        StringAssert.Contains(e.Message, "'Site'");
        StringAssert.Contains(e.Message, "LocationColumnName");
        StringAssert.Contains(e.Message, "LocationId");
    }

    private sealed class TextLatitudeRow
    {
        public string ImagePath { get; set; } = "";
        public string LocationId { get; set; } = "";
        public string Latitude { get; set; } = "";
        public double Longitude { get; set; }
    }

    [TestMethod]
    public void WrongColumnType_NamesColumnAndType()
    {
        var rows = TileRows.Load(64).Select(r => new TextLatitudeRow { ImagePath = r.ImagePath, LocationId = r.LocationId, Latitude = "north", Longitude = r.Longitude });
        var options = TileRows.TinyOptions(folder, epochs: 1);
        options.TimestampColumnName = null;
        var data = ml.Data.LoadFromEnumerable(rows);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GeoContrastivePretrain(options).Fit(data));
        StringAssert.Contains(e.Message, "'Latitude'");
        StringAssert.Contains(e.Message, "Single or Double");
        Assert.AreEqual(0, Directory.GetFiles(folder).Length);
    }

    [TestMethod]
    public void BadDate_NamesRow()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(Rows(r => r[9].Date = "yesterday")));
        StringAssert.Contains(e.Message, "Row 9");
        StringAssert.Contains(e.Message, "yesterday");
    }

    [TestMethod]
    public void CudaRequestedWithoutCuda_ExplainsWhatToInstall()
    {
        var e = Expect<InvalidOperationException>(FitExpectingFailure(TileRows.Load(64), o => o.Device = "cuda:0"));
        StringAssert.Contains(e.Message, "TorchSharp-cuda");
    }

    [TestMethod]
    public void Cancellation_WritesCheckpointAndNoOnnx()
    {
        using var cts = new CancellationTokenSource();
        var options = TileRows.TinyOptions(folder, epochs: 3);
        options.Progress = new CancelAfter(cts, steps: 2);
        options.CancellationToken = cts.Token;
        var data = ml.Data.LoadFromEnumerable(TileRows.Load(96));
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.Transforms.GeoContrastivePretrain(options).Fit(data));
        Assert.IsTrue(File.Exists(options.CheckpointPath), "a checkpoint to resume from");
        Assert.IsFalse(File.Exists(options.OnnxExportPath), "no encoder is exported from a cancelled run");
        Assert.AreEqual(0, Directory.GetFiles(folder, "*.tmp").Length);
    }

    private sealed class CancelAfter(CancellationTokenSource cts, int steps) : IProgress<TrainingProgress>
    {
        private int seen;
        public void Report(TrainingProgress value) { if (++seen >= steps) cts.Cancel(); }
    }
}
