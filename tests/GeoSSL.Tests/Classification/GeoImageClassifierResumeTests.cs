using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.MLNet.Classification;
using Microsoft.ML;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;

namespace GeoSSL.Tests.Classification;

/// <summary>
/// Crash safety through the ML.NET trainer: a cancelled Fit leaves a training checkpoint, a Fit resumed from it returns the
/// model an uninterrupted Fit returns, and file problems (an earlier run's checkpoint, a corrupt one, other options) stop Fit
/// before any image is read. Every other EuroSAT training patch (120, all classes) at 32 px: 4 steps per epoch.
/// </summary>
[TestClass]
public sealed class GeoImageClassifierResumeTests
{
    private readonly MLContext ml = new(seed: 1);
    private readonly int threadsBefore = TorchSharp.torch.get_num_threads();

    /// <summary>The Threads option is process-wide: give the other tests their thread count back.</summary>
    [TestCleanup]
    public void RestoreThreads() => TorchSharp.torch.set_num_threads(threadsBefore);

    private (IDataView Train, IDataView Validation) Data()
    {
        var (train, validation) = GeoImageClassifierTests.Rows();
        var trainRaw = ml.Data.LoadFromEnumerable(train.Where((_, i) => i % 2 == 0).ToList());
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(trainRaw);
        return (keys.Transform(trainRaw), keys.Transform(ml.Data.LoadFromEnumerable(validation)));
    }

    /// <summary>Rows whose images do not exist: reading them fails with a GeoDataException, so any other error proves it came first.</summary>
    private IDataView RowsThatCannotBeRead()
    {
        var (train, _) = GeoImageClassifierTests.Rows();
        var raw = ml.Data.LoadFromEnumerable(train.Select(r => new PatchRow { ImagePath = "/nonexistent/" + Path.GetFileName(r.ImagePath), Label = r.Label }).ToList());
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
    }

    private static GeoImageClassifierTrainer.Options Options(IDataView validation, int epochs = 3)
    {
        var options = GeoImageClassifierTests.TinyOptions(epochs);
        options.ValidationSet = validation;
        options.ReportEveryNSteps = 1;
        options.Threads = 1; // one thread: on a shared 2-core machine a second libtorch thread mostly waits for a descheduled partner
        return options;
    }

    private static float[][] Scores(GeoImageClassificationTransformer model, IDataView rows) => GeoImageClassifierTests.Read(model.Transform(rows)).Scores;

    [TestMethod]
    public void CancelledFit_ResumedThroughTheEstimator_ReturnsTheUninterruptedModel()
    {
        var (train, validation) = Data();
        var folder = TestData.TempFolder("classifier-resume");
        var checkpoint = Path.Combine(folder, "training.ckpt");

        var whole = ml.MulticlassClassification.Trainers.GeoImageClassifier(Options(validation));
        using var expected = whole.Fit(train);
        var expectedReport = whole.LastReport!;
        Assert.HasCount(12, expectedReport.Result.StepLosses);

        using var cts = new CancellationTokenSource();
        var stopped = Options(validation);
        stopped.TrainingCheckpointPath = checkpoint;
        stopped.CheckpointEveryNSteps = 2;
        stopped.CancellationToken = cts.Token;
        var threads = new HashSet<int>();
        stopped.Progress = new SyncProgress<TrainingProgress>(p =>
        {
            threads.Add(TorchSharp.torch.get_num_threads());
            if (!p.IsEpochEnd && p.Epoch == 2 && p.Step == 3) cts.Cancel();
        });
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(stopped).Fit(train));
        var info = FineTuneCheckpoint.Verify(checkpoint);
        Assert.AreEqual((1, 3L), (info.Epoch, info.StepInEpoch), "cancelled after step 3 of epoch 2");
        Assert.HasCount(1, info.Epochs);
        CollectionAssert.AreEqual(new[] { 1 }, threads.ToArray(), "the Threads option reaches libtorch");

        var resume = Options(validation);
        resume.TrainingCheckpointPath = checkpoint;
        resume.ResumeFromTrainingCheckpoint = checkpoint;
        var resumed = ml.MulticlassClassification.Trainers.GeoImageClassifier(resume);
        using var actual = resumed.Fit(train);
        var report = resumed.LastReport!;
        CollectionAssert.AreEqual(expectedReport.Result.StepLosses.ToArray(), report.Result.StepLosses.ToArray(), "step losses");
        CollectionAssert.AreEqual(expectedReport.Epochs.Select(e => (e.Metrics["loss"], e.Metrics["accuracy"], e.Validation?["loss"], e.Validation?["accuracy"])).ToList(),
            report.Epochs.Select(e => (e.Metrics["loss"], e.Metrics["accuracy"], e.Validation?["loss"], e.Validation?["accuracy"])).ToList(), "epochs");
        Assert.AreEqual(expectedReport.BestEpoch, report.BestEpoch);
        CollectionAssert.AreEqual(expectedReport.ClassifierOnnx, report.ClassifierOnnx, "the exported classifier (weights included) is byte-identical");
        var (a, b) = (Scores(expected, validation), Scores(actual, validation));
        for (int i = 0; i < a.Length; i++) CollectionAssert.AreEqual(a[i], b[i], $"validation row {i}: scores");
        Assert.AreEqual(3, FineTuneCheckpoint.Verify(checkpoint).Epoch, "the resumed Fit kept writing the same checkpoint");
    }

    [TestMethod]
    public void EarlierRunsModelFiles_AreRefusedBeforeReading_UnlessOverwriting()
    {
        var (train, validation) = Data();
        var folder = TestData.TempFolder("classifier-model-files");
        var first = Options(validation, epochs: 1);
        first.CheckpointPath = Path.Combine(folder, "classifier.ckpt");
        first.OnnxExportPath = Path.Combine(folder, "classifier.onnx");
        using (ml.MulticlassClassification.Trainers.GeoImageClassifier(first).Fit(train)) { }
        var model = File.ReadAllBytes(first.CheckpointPath);

        var again = Options(validation, epochs: 1);
        again.CheckpointPath = first.CheckpointPath;
        var e = Assert.ThrowsExactly<IOException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(again).Fit(RowsThatCannotBeRead()));
        StringAssert.Contains(e.Message, "CheckpointPath");
        StringAssert.Contains(e.Message, first.CheckpointPath);
        var onnx = Options(validation, epochs: 1);
        onnx.OnnxExportPath = first.OnnxExportPath;
        StringAssert.Contains(Assert.ThrowsExactly<IOException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(onnx).Fit(RowsThatCannotBeRead())).Message, "OnnxExportPath");
        CollectionAssert.AreEqual(model, File.ReadAllBytes(first.CheckpointPath), "the earlier run's model changed");

        again.OverwriteExistingOutputs = true;
        using (ml.MulticlassClassification.Trainers.GeoImageClassifier(again).Fit(train)) { }
    }

    [TestMethod]
    public void EarlierRunsCheckpoint_IsRefusedBeforeReading_UnlessResumingOrOverwriting()
    {
        var (train, validation) = Data();
        var checkpoint = Path.Combine(TestData.TempFolder("classifier-run-files"), "training.ckpt");
        var first = Options(validation, epochs: 1);
        first.TrainingCheckpointPath = checkpoint;
        using (ml.MulticlassClassification.Trainers.GeoImageClassifier(first).Fit(train)) { }
        var before = File.ReadAllBytes(checkpoint);

        var again = Options(validation, epochs: 1);
        again.TrainingCheckpointPath = checkpoint;
        var e = Assert.ThrowsExactly<IOException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(again).Fit(RowsThatCannotBeRead()));
        StringAssert.Contains(e.Message, "TrainingCheckpointPath");
        StringAssert.Contains(e.Message, checkpoint);
        StringAssert.Contains(e.Message, "OverwriteExistingOutputs");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(checkpoint), "the earlier run's checkpoint changed");

        // Other options than the checkpoint's: each difference is named, still before any image is read.
        var other = Options(validation, epochs: 2);
        other.TrainingCheckpointPath = checkpoint;
        other.ResumeFromTrainingCheckpoint = checkpoint;
        other.LearningRate = 0.05;
        other.Seed = 9;
        var mismatch = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(other).Fit(RowsThatCannotBeRead()));
        StringAssert.Contains(mismatch.Message, checkpoint);
        StringAssert.Contains(mismatch.Message, "LearningRate: 0.02 in the checkpoint, 0.05 in this run");
        StringAssert.Contains(mismatch.Message, "Seed: 1 in the checkpoint, 9 in this run");

        // Continuing the same run (one more epoch) may rewrite its checkpoint.
        var resume = Options(validation, epochs: 2);
        resume.TrainingCheckpointPath = checkpoint;
        resume.ResumeFromTrainingCheckpoint = checkpoint;
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(resume);
        using (estimator.Fit(train)) { }
        Assert.HasCount(2, estimator.LastReport!.Epochs);
        Assert.AreEqual(2, FineTuneCheckpoint.Verify(checkpoint).Epoch);

        var overwrite = Options(validation, epochs: 1);
        overwrite.TrainingCheckpointPath = checkpoint;
        overwrite.OverwriteExistingOutputs = true;
        using (ml.MulticlassClassification.Trainers.GeoImageClassifier(overwrite).Fit(train)) { }
        Assert.AreEqual(1, FineTuneCheckpoint.Verify(checkpoint).Epoch);
    }

    [TestMethod]
    public void BadResumeFiles_AndOneFileForBothCheckpoints_StopFitBeforeReading()
    {
        var (_, validation) = Data();
        var folder = TestData.TempFolder("classifier-bad-resume");
        var half = Path.Combine(folder, "half.ckpt");
        File.WriteAllBytes(half, [.. "GEOSSLFT"u8.ToArray().Prepend((byte)8), 1, 0, 0, 0, 42]);
        foreach (var path in new[] { half, Path.Combine(folder, "missing.ckpt"), TestData.EuroSatPatches()[0].ImagePath })
        {
            var options = Options(validation);
            options.ResumeFromTrainingCheckpoint = path;
            var e = Assert.Throws<Exception>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(options).Fit(RowsThatCannotBeRead()), path);
            Assert.IsTrue(e is InvalidDataException or FileNotFoundException, $"{path}: {e.GetType().Name}: {e.Message}");
            StringAssert.Contains(e.Message, path);
        }

        var same = Options(validation);
        same.TrainingCheckpointPath = same.CheckpointPath = Path.Combine(folder, "model.ckpt");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(same).Fit(RowsThatCannotBeRead())).Message,
            "need two files");
    }
}
