using GeoSSL.Data.Records;
using GeoSSL.Tests.MLNet;
using Microsoft.ML;

namespace GeoSSL.Tests.Reliability;

/// <summary>Through the ML.NET estimator: an earlier run's files are never replaced silently, and file problems stop Fit before any image is decoded.</summary>
[TestClass]
public sealed class RunFilesTests
{
    private readonly MLContext ml = new(seed: 1);

    /// <summary>Rows whose images do not exist: decoding them would fail with a GeoDataException, so any other error proves it came first.</summary>
    private IDataView RowsThatCannotBeDecoded() => ml.Data.LoadFromEnumerable(TileRows.Load(64).Select(r => { r.ImagePath = "/nonexistent/" + Path.GetFileName(r.ImagePath); return r; }));

    [TestMethod]
    public void SecondRunIntoTheSameFiles_IsRefusedBeforeDecoding_UnlessResumingOrOverwriting()
    {
        var folder = TestData.TempFolder("run-files");
        var options = TileRows.TinyOptions(folder, epochs: 1);
        using (ml.Transforms.GeoContrastivePretrain(options).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64)))) { }
        var checkpoint = options.CheckpointPath!;
        var before = File.ReadAllBytes(checkpoint);

        var e = Assert.Throws<IOException>(() => ml.Transforms.GeoContrastivePretrain(TileRows.TinyOptions(folder, epochs: 1)).Fit(RowsThatCannotBeDecoded()));
        StringAssert.Contains(e.Message, "CheckpointPath");
        StringAssert.Contains(e.Message, checkpoint);
        StringAssert.Contains(e.Message, "OverwriteExistingOutputs");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(checkpoint), "the earlier run's checkpoint changed");

        // Only the ONNX file left over: still an earlier run's output.
        File.Delete(checkpoint);
        StringAssert.Contains(Assert.Throws<IOException>(() => ml.Transforms.GeoContrastivePretrain(TileRows.TinyOptions(folder, epochs: 1)).Fit(RowsThatCannotBeDecoded())).Message, "OnnxExportPath");
        File.WriteAllBytes(checkpoint, before);

        // Continuing the same run (resume from its checkpoint, one more epoch) may rewrite its files.
        var resume = TileRows.TinyOptions(folder, epochs: 2);
        resume.ResumeFromCheckpoint = checkpoint;
        var estimator = ml.Transforms.GeoContrastivePretrain(resume);
        using (estimator.Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64)))) { }
        Assert.HasCount(2, estimator.LastReport!.Epochs);

        var overwrite = TileRows.TinyOptions(folder, epochs: 1);
        overwrite.OverwriteExistingOutputs = true;
        using (ml.Transforms.GeoContrastivePretrain(overwrite).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64)))) { }
        Assert.AreEqual(1, GeoSSL.Core.Training.Checkpoint.Verify(checkpoint).Epochs);
    }

    [TestMethod]
    public void CorruptResumeCheckpoint_IsFoundBeforeDecoding()
    {
        var folder = TestData.TempFolder("run-corrupt-resume");
        var bad = Path.Combine(folder, "half.ckpt");
        var good = TileRows.TinyOptions(TestData.TempFolder("run-good"), epochs: 1);
        using (ml.Transforms.GeoContrastivePretrain(good).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64)))) { }
        var bytes = File.ReadAllBytes(good.CheckpointPath!);
        File.WriteAllBytes(bad, bytes[..(bytes.Length * 3 / 4)]);

        var options = TileRows.TinyOptions(null, epochs: 1);
        options.ResumeFromCheckpoint = bad;
        var e = Assert.Throws<InvalidDataException>(() => ml.Transforms.GeoContrastivePretrain(options).Fit(RowsThatCannotBeDecoded()));
        StringAssert.Contains(e.Message, bad);
    }

    [TestMethod]
    public void ResumeWithOtherOptions_NamesTheSettingsBeforeDecoding()
    {
        var good = TileRows.TinyOptions(TestData.TempFolder("run-mismatch"), epochs: 1);
        using (ml.Transforms.GeoContrastivePretrain(good).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64)))) { }
        var options = TileRows.TinyOptions(null, epochs: 2);
        options.ResumeFromCheckpoint = good.CheckpointPath;
        options.Temperature = 0.1;
        // The settings are compared once the rows are read (the geo cluster count depends on them) but before decoding.
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.GeoContrastivePretrain(options).Fit(RowsThatCannotBeDecoded()));
        StringAssert.Contains(e.Message, "Model.Temperature: 0.2 in the checkpoint, 0.1 in this run");
    }

    [TestMethod]
    public void ResumeOnOtherRows_IsRefusedBeforeDecoding_NamingBothDataSets()
    {
        var good = TileRows.TinyOptions(TestData.TempFolder("run-data"), epochs: 1);
        using (ml.Transforms.GeoContrastivePretrain(good).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64)))) { }
        StringAssert.StartsWith(GeoSSL.Core.Training.Checkpoint.ReadDataFingerprint(good.CheckpointPath!), "64 rows, sha256 ");

        // Same settings (8 geo clusters either way), other rows: the last tile swapped for another one.
        var other = TileRows.Load(65);
        other.RemoveAt(63);
        var options = TileRows.TinyOptions(null, epochs: 2);
        options.ResumeFromCheckpoint = good.CheckpointPath;
        foreach (var r in other) r.ImagePath = "/nonexistent/" + Path.GetFileName(r.ImagePath); // proves the check comes first
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.GeoContrastivePretrain(options).Fit(ml.Data.LoadFromEnumerable(other)));
        StringAssert.Contains(e.Message, "other data (64 rows, sha256 ");
        StringAssert.Contains(e.Message, "than this run has (64 rows, sha256 ");
    }

    [TestMethod]
    public void CancelledBeforeTraining_StopsWhileDecoding_WithoutACheckpoint()
    {
        var folder = TestData.TempFolder("run-cancel-decode");
        var options = TileRows.TinyOptions(folder, epochs: 1);
        using var cts = new CancellationTokenSource();
        cts.Cancel(); // as a Ctrl+C that arrives while the images are being decoded
        options.CancellationToken = cts.Token;
        Assert.Throws<OperationCanceledException>(() => ml.Transforms.GeoContrastivePretrain(options).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64))));
        Assert.IsFalse(File.Exists(options.CheckpointPath), "training started although the run was cancelled while decoding");
    }

    [TestMethod]
    public void MoreImagesThanOneArrayHolds_IsANamedError_BeforeAllocating()
    {
        var e = Assert.Throws<GeoDataException>(() => GeoSSL.Data.Images.DecodedImageSet.Decode(20_000, 224, 224, (_, _) => { }));
        StringAssert.Contains(e.Message, "20000 images of 224x224 need 3.0 GB");
    }
}
