using GeoSSL.Data.Records;
using GeoSSL.MLNet.Classification;
using Microsoft.ML;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;

namespace GeoSSL.Tests.Classification;

/// <summary>Bad input fails before any training, with a message naming the column, row or file at fault.</summary>
[TestClass]
public sealed class GeoImageClassifierBadInputTests
{
    private readonly MLContext ml = new(seed: 1);

    private static List<PatchRow> Rows(Action<List<PatchRow>>? mutate = null)
    {
        var rows = GeoImageClassifierTests.Rows().Train.Where((_, i) => i % 4 == 0).ToList(); // 60 rows, every class
        mutate?.Invoke(rows);
        return rows;
    }

    private IDataView Keyed(IEnumerable<PatchRow> rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
    }

    private Exception FitExpectingFailure(IDataView data, Action<GeoImageClassifierTrainer.Options>? change = null)
    {
        var options = GeoImageClassifierTests.TinyOptions(epochs: 1);
        change?.Invoke(options);
        Exception? error = null;
        var progress = 0;
        options.Progress = new SyncProgress<TrainingProgress>(_ => progress++);
        try { ml.MulticlassClassification.Trainers.GeoImageClassifier(options).Fit(data); }
        catch (Exception e) { error = e; }
        Assert.IsNotNull(error, "expected a failure");
        Assert.AreEqual(0, progress, "failed before training");
        return error;
    }

    private static T Expect<T>(Exception e) where T : Exception =>
        e as T ?? throw new AssertFailedException($"Expected {typeof(T).Name}, got {e.GetType().Name}: {e.Message}");

    [TestMethod]
    public void TextLabel_IsRejected_NamingTheColumnAndMapValueToKey()
    {
        var data = ml.Data.LoadFromEnumerable(Rows());
        var e = Expect<ArgumentException>(FitExpectingFailure(data));
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "key type");
        StringAssert.Contains(e.Message, "MapValueToKey");
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(GeoImageClassifierTests.TinyOptions());
        var schemaError = Assert.ThrowsExactly<ArgumentException>(() => estimator.GetOutputSchema(GeoImageClassifierTests.Shape(data.Schema)));
        StringAssert.Contains(schemaError.Message, "'Label'");
    }

    [TestMethod]
    public void MissingLabelColumn_IsNamed()
    {
        var e = Expect<ArgumentException>(FitExpectingFailure(Keyed(Rows()), o => o.LabelColumnName = "Category"));
        StringAssert.Contains(e.Message, "'Category'");
        StringAssert.Contains(e.Message, "LabelColumnName");
        StringAssert.Contains(e.Message, "ImagePath, Label");
    }

    [TestMethod]
    public void MissingImageColumn_IsNamed()
    {
        var e = Expect<ArgumentException>(FitExpectingFailure(Keyed(Rows()), o => o.ImageColumnName = "Path"));
        StringAssert.Contains(e.Message, "'Path'");
        StringAssert.Contains(e.Message, "ImageColumnName");
    }

    [TestMethod]
    public void ImageColumnOfWrongType_IsNamed()
    {
        var e = Expect<ArgumentException>(FitExpectingFailure(Keyed(Rows()), o => o.ImageColumnName = "Label"));
        StringAssert.Contains(e.Message, "'Label' (ImageColumnName)");
        StringAssert.Contains(e.Message, "expected a text path or an image");
    }

    [TestMethod]
    public void MissingImageFile_NamesRowAndFile()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(Keyed(Rows(r => r[3].ImagePath = "images/Forest/missing_patch.jpg"))));
        StringAssert.Contains(e.Message, "Row 3");
        StringAssert.Contains(e.Message, "missing_patch.jpg");
        StringAssert.Contains(e.Message, "does not exist");
        Assert.AreEqual(3, e.Row);
        Assert.AreEqual(Path.Combine(TestData.EuroSatFolder, "images/Forest/missing_patch.jpg"), e.FilePath);
    }

    [TestMethod]
    public void UnreadableImageFile_NamesRowAndFile()
    {
        string corrupt = Path.Combine(TestData.TempFolder("classifier-corrupt"), "broken.jpg");
        File.WriteAllBytes(corrupt, Enumerable.Range(0, 700).Select(i => (byte)(i * 31)).ToArray());
        var e = Expect<GeoDataException>(FitExpectingFailure(Keyed(Rows(r => r[5].ImagePath = corrupt))));
        StringAssert.Contains(e.Message, "Row 5");
        StringAssert.Contains(e.Message, "broken.jpg");
        StringAssert.Contains(e.Message, "could not be read");
        Assert.AreEqual(corrupt, e.FilePath);
    }

    [TestMethod]
    public void EmptyImagePath_NamesRowAndColumn()
    {
        var e = Expect<GeoDataException>(FitExpectingFailure(Keyed(Rows(r => r[2].ImagePath = ""))));
        StringAssert.Contains(e.Message, "Row 2");
        StringAssert.Contains(e.Message, "'ImagePath'");
    }

    [TestMethod]
    public void LabelOutsideTheKeys_NamesTheRow()
    {
        // Keys built without 'Pasture': its rows get the missing key 0.
        var rows = Rows();
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows.Where(r => r.Label != "Pasture").ToList()));
        var data = keys.Transform(ml.Data.LoadFromEnumerable(rows));
        int firstPasture = rows.FindIndex(r => r.Label == "Pasture");
        var e = Expect<GeoDataException>(FitExpectingFailure(data));
        StringAssert.Contains(e.Message, $"Row {firstPasture}");
        StringAssert.Contains(e.Message, "missing label");
        Assert.AreEqual("Label", e.Column);
    }

    [TestMethod]
    public void ValidationSetWithOtherKeys_IsRejected()
    {
        var rows = Rows();
        var validation = Keyed(rows.Where(r => r.Label != "River").ToList()); // 9 keys instead of 10
        var e = Expect<ArgumentException>(FitExpectingFailure(Keyed(rows), o => o.ValidationSet = validation));
        StringAssert.Contains(e.Message, "ValidationSet");
        StringAssert.Contains(e.Message, "same fitted MapValueToKey");
    }

    [TestMethod]
    public void EarlyStoppingWithoutValidationSet_IsRejected()
    {
        var e = Expect<ArgumentException>(FitExpectingFailure(Keyed(Rows()), o => o.EarlyStoppingPatience = 2));
        StringAssert.Contains(e.Message, "ValidationSet");
    }

    [TestMethod]
    public void InitialEncoderThatIsNotACheckpoint_IsRejected()
    {
        string notCheckpoint = Path.Combine(TestData.TempFolder("classifier-notckpt"), "encoder.ckpt");
        File.WriteAllText(notCheckpoint, "not a checkpoint");
        var e = Expect<ArgumentException>(FitExpectingFailure(Keyed(Rows()), o => o.InitialEncoderPath = notCheckpoint));
        StringAssert.Contains(e.Message, "encoder.ckpt");
        StringAssert.Contains(e.Message, "not a GeoSSL pretraining checkpoint");
        var missing = Expect<FileNotFoundException>(FitExpectingFailure(Keyed(Rows()), o => o.InitialEncoderPath = notCheckpoint + ".gone"));
        StringAssert.Contains(missing.Message, "encoder.ckpt.gone");
    }
}
