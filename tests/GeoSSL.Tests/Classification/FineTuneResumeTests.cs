using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Files;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace GeoSSL.Tests.Classification;

/// <summary>
/// Fine-tuning's crash safety: training checkpoints at epoch ends, every N steps and on cancellation, and a resume that
/// ends with the same step losses, epochs, early-stopping decisions and final weights as an uninterrupted run (bit for bit:
/// same process, same thread count). 128 EuroSAT patches at 32 px in batches of 32: 4 steps per epoch.
/// </summary>
[TestClass]
public sealed class FineTuneResumeTests
{
    private const int Size = 32;
    private const int StepsPerEpoch = 4;

    public TestContext TestContext { get; set; } = null!;

    private int threadsBefore;

    /// <summary>
    /// One libtorch thread for these tests (every run of a comparison uses the same count either way): on a shared 2-core
    /// machine a second thread mostly waits for a descheduled partner. Restored afterwards; the count is process-wide.
    /// </summary>
    [TestInitialize]
    public void OneThread() { threadsBefore = torch.get_num_threads(); torch.set_num_threads(1); }

    [TestCleanup]
    public void RestoreThreads() => torch.set_num_threads(threadsBefore);

    private static FineTuneConfig Config(int epochs = 3) => new()
    {
        Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }, NumClasses = 10, Epochs = epochs, BatchSize = 32,
        LearningRate = 0.02, WarmupEpochs = 0.5, Seed = 5, ReportEveryNSteps = 1,
    };

    private static LabeledImages Train() => EuroSat.Split(Size).Train.Subset(Enumerable.Range(0, 128).ToList());
    private static LabeledImages Validation() => EuroSat.Split(Size).Validation;

    /// <summary>Counts the images handed out, to prove that a rejected resume trained (and read) nothing.</summary>
    private sealed class CountingSource(ILabeledImageSource inner) : ILabeledImageSource
    {
        public int Reads { get; private set; }
        public int Count => inner.Count;
        public int Channels => inner.Channels;
        public int Height => inner.Height;
        public int Width => inner.Width;
        public ReadOnlySpan<byte> Image(int index) { Reads++; return inner.Image(index); }
        public int Label(int index) => inner.Label(index);
    }

    private sealed record Run(TrainingResult Result, Dictionary<string, byte[]> Weights);

    private static Dictionary<string, byte[]> Weights(nn.Module model) => model.state_dict().ToDictionary(kv => kv.Key, kv => Bytes(kv.Value));

    private static byte[] Bytes(Tensor t)
    {
        using var scope = NewDisposeScope();
        var cpu = t.detach().cpu().contiguous();
        return cpu.dtype == ScalarType.Int64
            ? cpu.data<long>().ToArray().SelectMany(BitConverter.GetBytes).ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()).ToArray();
    }

    private static Run Uninterrupted(FineTuneConfig config, bool withValidation, LabeledImages? train = null)
    {
        using var tuner = new FineTuner(config, "cpu");
        var result = tuner.Train(train ?? Train(), withValidation ? Validation() : null);
        return new Run(result, Weights(tuner.Model));
    }

    private static readonly Lazy<Run> Reference = new(() => Uninterrupted(Config(), withValidation: false));

    private static void AssertSameRun(Run expected, TrainingResult actual, Dictionary<string, byte[]> weights, string what)
    {
        Assert.IsTrue(actual.Completed, $"{what}: not completed");
        CollectionAssert.AreEqual(expected.Result.StepLosses.ToArray(), actual.StepLosses.ToArray(), $"{what}: step losses");
        Assert.HasCount(expected.Result.Epochs.Count, actual.Epochs, $"{what}: epochs");
        for (int e = 0; e < actual.Epochs.Count; e++)
        {
            var (x, y) = (expected.Result.Epochs[e], actual.Epochs[e]);
            Assert.AreEqual(x.Epoch, y.Epoch);
            Assert.AreEqual(x.Metrics["loss"], y.Metrics["loss"], $"{what}: epoch {e + 1} loss");
            Assert.AreEqual(x.Metrics["accuracy"], y.Metrics["accuracy"], $"{what}: epoch {e + 1} accuracy");
            Assert.AreEqual(x.Validation?["loss"], y.Validation?["loss"], $"{what}: epoch {e + 1} validation loss");
            Assert.AreEqual(x.Validation?["accuracy"], y.Validation?["accuracy"], $"{what}: epoch {e + 1} validation accuracy");
            Assert.AreEqual(x.LearningRate, y.LearningRate, $"{what}: epoch {e + 1} learning rate");
        }
        Assert.AreEqual(expected.Result.BestEpoch, actual.BestEpoch, $"{what}: best epoch");
        Assert.AreEqual(expected.Result.EarlyStopped, actual.EarlyStopped, $"{what}: early stopped");
        Assert.AreEqual(expected.Result.RestoredBestWeights, actual.RestoredBestWeights, $"{what}: restored");
        CollectionAssert.AreEquivalent(expected.Weights.Keys.ToList(), weights.Keys.ToList());
        foreach (var (name, bytes) in expected.Weights) CollectionAssert.AreEqual(bytes, weights[name], $"{what}: weights '{name}'");
    }

    private static void AssertNoTempFiles(string folder) =>
        Assert.IsFalse(Directory.GetFiles(folder, "*.tmp").Any(), "temporary files left: " + string.Join(", ", Directory.GetFiles(folder)));

    [TestMethod]
    public void ResumeFromEpochCheckpoint_EndsLikeTheUninterruptedRun()
    {
        var reference = Reference.Value;
        Assert.HasCount(3 * StepsPerEpoch, reference.Result.StepLosses);
        var folder = TestData.TempFolder("ft-resume-epoch");
        var path = Path.Combine(folder, "training.ckpt");
        using (var first = new FineTuner(Config(), "cpu"))
        {
            var partial = first.Train(Train(), null, new TrainingRunOptions { CheckpointPath = path, StopAfterEpochs = 1 });
            Assert.IsFalse(partial.Completed);
            Assert.HasCount(1, partial.Epochs);
            CollectionAssert.AreEqual(reference.Result.StepLosses.Take(StepsPerEpoch).ToArray(), partial.StepLosses.ToArray(), "same seed, first epoch");
        }
        var info = FineTuneCheckpoint.Verify(path);
        Assert.AreEqual(1, info.Epoch);
        Assert.AreEqual(0, info.StepInEpoch);
        Assert.AreEqual(StepsPerEpoch, info.GlobalStep);
        Assert.AreEqual(new FineTuneData(128, null, Size), info.Data);
        Assert.AreEqual(GeoSSL.Core.Training.ConfigJson.Serialize(Config()), GeoSSL.Core.Training.ConfigJson.Serialize(info.Config));
        AssertNoTempFiles(folder);

        var source = new CountingSource(Train());
        using (var second = new FineTuner(Config(), "cpu"))
        {
            var resumed = second.Train(source, null, new TrainingRunOptions { CheckpointPath = path, ResumeFrom = path });
            Assert.AreEqual(2 * 128, source.Reads, "the resumed run trains only epochs 2-3");
            AssertSameRun(reference, resumed, Weights(second.Model), "resumed from epoch 1");
        }
        AssertNoTempFiles(folder);

        // Resuming a finished run trains nothing and returns the same history and weights.
        var idle = new CountingSource(Train());
        using var third = FineTuner.FromCheckpoint(path, "cpu");
        var again = third.Train(idle, null, new TrainingRunOptions { ResumeFrom = path });
        Assert.AreEqual(0, idle.Reads);
        AssertSameRun(reference, again, Weights(third.Model), "resumed from the final checkpoint");
    }

    [TestMethod]
    public void CancelMidEpoch_WritesACheckpoint_AndBothItAndAStepCheckpointResumeToTheSameResult()
    {
        var reference = Reference.Value;
        var folder = TestData.TempFolder("ft-resume-step");
        var path = Path.Combine(folder, "training.ckpt");
        var stepCopy = Path.Combine(folder, "after-step-2.ckpt");
        using var cts = new CancellationTokenSource();
        var seen = new List<TrainingProgress>();
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            seen.Add(p);
            if (!p.IsEpochEnd && p.Epoch == 2 && p.Step == 3)
            {
                File.Copy(path, stepCopy); // the file now holds the step checkpoint written after step 2 of epoch 2
                cts.Cancel();
            }
        });
        using (var tuner = new FineTuner(Config(), "cpu"))
        {
            Assert.ThrowsExactly<OperationCanceledException>(() => tuner.Train(Train(), null, new TrainingRunOptions
            {
                CheckpointPath = path, CheckpointEveryNSteps = 2, Progress = progress, CancellationToken = cts.Token,
            }));
        }
        Assert.IsTrue(File.Exists(stepCopy), "the cancellation point was never reached");
        Assert.IsFalse(seen.Any(p => p.Epoch == 2 && p.Step == 4), "training went on after cancellation");
        var cancelled = FineTuneCheckpoint.Verify(path);
        Assert.AreEqual((1, 3L, 7L), (cancelled.Epoch, cancelled.StepInEpoch, cancelled.GlobalStep), "the cancellation checkpoint: 7 steps done");
        var step = FineTuneCheckpoint.Verify(stepCopy);
        Assert.AreEqual((1, 2L, 6L), (step.Epoch, step.StepInEpoch, step.GlobalStep), "the step checkpoint: 6 steps done");
        CollectionAssert.AreEqual(reference.Result.StepLosses.Take(7).ToArray(), cancelled.StepLosses.ToArray());
        AssertNoTempFiles(folder);

        foreach (var (file, done) in new[] { (path, 7), (stepCopy, 6) })
        {
            var source = new CountingSource(Train());
            using var resumed = new FineTuner(Config(), "cpu");
            var result = resumed.Train(source, null, new TrainingRunOptions { ResumeFrom = file });
            Assert.AreEqual((3 * StepsPerEpoch - done) * 32, source.Reads, $"{Path.GetFileName(file)}: only the steps left are trained");
            AssertSameRun(reference, result, Weights(resumed.Model), $"resumed from {Path.GetFileName(file)}");
        }
    }

    [TestMethod]
    public void EarlyStopping_ResumedMidEpochAfterTheBestEpoch_StopsAndRestoresLikeTheUninterruptedRun()
    {
        // The recipe of FineTunerTests.EarlyStopping_RestoresTheBestEpochsWeights on all 240 training patches (8 steps an
        // epoch): the best validation accuracy comes inside the run, patience 2 stops it two epochs later and the best
        // epoch's weights are restored, which a resume in the last epoch can only get from the checkpoint.
        GeoSSL.Core.Devices.CpuConvolutionFix.Apply(); // one convolution backend for the whole test, whichever tests ran before
        var config = Config(epochs: 20) with { LearningRate = 0.02, WarmupEpochs = 0, Seed = 3, EarlyStoppingPatience = 2 };
        var train = EuroSat.Split(Size).Train;
        var reference = Uninterrupted(config, withValidation: true, train);
        var r = reference.Result;
        TestContext.WriteLine(string.Join(" ", r.Epochs.Select(e => $"{e.Epoch}:{e.Validation?["accuracy"]:P1}")) + $" best {r.BestEpoch}, stopped {r.EarlyStopped}, restored {r.RestoredBestWeights}");
        Assert.IsTrue(r.EarlyStopped, "the run needs to stop early for this test");
        Assert.IsTrue(r.RestoredBestWeights, "the run needs a best epoch before its last for this test");
        int lastEpoch = r.Epochs.Count;

        var folder = TestData.TempFolder("ft-resume-early");
        var path = Path.Combine(folder, "training.ckpt");
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress<TrainingProgress>(p => { if (!p.IsEpochEnd && p.Epoch == lastEpoch && p.Step == 2) cts.Cancel(); });
        using (var tuner = new FineTuner(config, "cpu"))
            Assert.ThrowsExactly<OperationCanceledException>(() => tuner.Train(train, Validation(), new TrainingRunOptions
            {
                CheckpointPath = path, Progress = progress, CancellationToken = cts.Token,
            }));
        var info = FineTuneCheckpoint.Verify(path);
        Assert.AreEqual((lastEpoch - 1, 2L), (info.Epoch, info.StepInEpoch));
        Assert.AreEqual(r.BestEpoch, info.BestEpoch, "the best epoch lies before the cancellation point");

        using (var resumed = new FineTuner(config, "cpu"))
        {
            var result = resumed.Train(train, Validation(), new TrainingRunOptions { CheckpointPath = path, ResumeFrom = path });
            AssertSameRun(reference, result, Weights(resumed.Model), "resumed in the last epoch");
        }
        Assert.IsTrue(FineTuneCheckpoint.Verify(path).EarlyStopped);

        // The early-stopped run's final checkpoint: nothing more to train, even with more epochs allowed; the best weights come back.
        var idle = new CountingSource(train);
        using var finished = new FineTuner(config with { Epochs = 24 }, "cpu");
        var again = finished.Train(idle, Validation(), new TrainingRunOptions { ResumeFrom = path });
        Assert.AreEqual(0, idle.Reads);
        AssertSameRun(reference, again, Weights(finished.Model), "resumed from the early-stopped checkpoint");
    }

    [TestMethod]
    public void ResumeWithOtherSettingsOrData_NamesEachDifference_BeforeAnyStep()
    {
        var path = Path.Combine(TestData.TempFolder("ft-mismatch"), "training.ckpt");
        using (var tuner = new FineTuner(Config(), "cpu"))
            tuner.Train(Train(), null, new TrainingRunOptions { CheckpointPath = path, StopAfterEpochs = 1 });

        var source = new CountingSource(Train());
        using (var other = new FineTuner(Config() with { BatchSize = 16, LearningRate = 0.1 }, "cpu"))
        {
            var e = Assert.ThrowsExactly<ArgumentException>(() => other.Train(source, null, new TrainingRunOptions { ResumeFrom = path }));
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "2 setting(s) differ");
            StringAssert.Contains(e.Message, "BatchSize: 32 in the checkpoint, 16 in this run");
            StringAssert.Contains(e.Message, "LearningRate: 0.02 in the checkpoint, 0.1 in this run");
        }
        using (var moreData = new FineTuner(Config(), "cpu"))
        {
            var more = new CountingSource(EuroSat.Split(Size).Train);
            var e = Assert.ThrowsExactly<ArgumentException>(() => moreData.Train(more, Validation(), new TrainingRunOptions { ResumeFrom = path }));
            StringAssert.Contains(e.Message, "TrainingImages: 128 in the checkpoint, 240 in this run");
            StringAssert.Contains(e.Message, "ValidationImages: null in the checkpoint, 60 in this run");
            StringAssert.Contains(e.Message, "was the data changed");
            Assert.AreEqual(0, more.Reads);
        }
        Assert.AreEqual(0, source.Reads, "no image was read");

        // Epochs may change (a longer run); the rest must not.
        using var longer = new FineTuner(Config(epochs: 4), "cpu");
        var result = longer.Train(Train(), null, new TrainingRunOptions { ResumeFrom = path, StopAfterEpochs = 2 });
        Assert.HasCount(2, result.Epochs);
    }

    /// <summary>Settings of the checkpoint the integrity tests damage: validation and early stopping, so best weights are in it.</summary>
    private static FineTuneConfig GoodConfig => Config(epochs: 2) with { EarlyStoppingPatience = 3 };

    /// <summary>One good checkpoint after epoch 1 of 2, shared read-only.</summary>
    private static readonly Lazy<string> Good = new(() =>
    {
        var path = Path.Combine(TestData.TempFolder("ft-good"), "good.ckpt");
        using var tuner = new FineTuner(GoodConfig, "cpu");
        tuner.Train(Train(), Validation(), new TrainingRunOptions { CheckpointPath = path, StopAfterEpochs = 1 });
        return path;
    });

    private static string CopyWith(string name, Func<byte[], byte[]> change)
    {
        var path = Path.Combine(TestData.TempFolder("ft-bad"), name);
        File.WriteAllBytes(path, change(File.ReadAllBytes(Good.Value)));
        return path;
    }

    /// <summary>A resume from <paramref name="path"/>: the error it throws, after checking that no image was read.</summary>
    private static Exception ResumeError(string path)
    {
        var source = new CountingSource(Train());
        using var tuner = new FineTuner(GoodConfig, "cpu");
        var e = Assert.Throws<Exception>(() => tuner.Train(source, Validation(), new TrainingRunOptions { ResumeFrom = path }));
        Assert.AreEqual(0, source.Reads, $"images were read before the checkpoint problem was found: {e.Message}");
        return e;
    }

    [TestMethod]
    public void GoodCheckpoint_HoldsTheBestWeights_AndResumes()
    {
        var info = FineTuneCheckpoint.Verify(Good.Value);
        Assert.AreEqual(1, info.BestEpoch);
        Assert.IsFalse(info.EarlyStopped);
        Assert.IsTrue(FineTuneCheckpoint.IsFineTuneCheckpoint(Good.Value));
        using var tuner = new FineTuner(info.Config, "cpu");
        var result = tuner.Train(Train(), Validation(), new TrainingRunOptions { ResumeFrom = Good.Value });
        Assert.HasCount(2, result.Epochs);
    }

    [TestMethod]
    public void TruncatedOrOverwrittenCheckpoint_NamesTheFile_BeforeAnyStep()
    {
        foreach (var (name, change, words) in new (string, Func<byte[], byte[]>, string)[]
        {
            ("half.ckpt", b => b[..(b.Length / 2)], "truncated"),
            ("header-only.ckpt", b => b[..40], "truncated"),
            ("garbage.ckpt", b => { var c = (byte[])b.Clone(); Array.Fill(c, (byte)0xFF, c.Length / 2, 4096); return c; }, "checksum"),
        })
        {
            var path = CopyWith(name, change);
            var verify = Assert.Throws<InvalidDataException>(() => FineTuneCheckpoint.Verify(path), name);
            StringAssert.Contains(verify.Message, path, name);
            StringAssert.Contains(verify.Message, words, name);
            var e = ResumeError(path);
            Assert.IsInstanceOfType<InvalidDataException>(e, name);
            StringAssert.Contains(e.Message, path, name);
        }
    }

    [TestMethod]
    public void ForeignFiles_AreNamedAndSaidWhatTheyAre()
    {
        var png = TestData.EuroSatPatches()[0].ImagePath;
        StringAssert.Contains(ResumeError(png).Message, $"'{png}' is not a GeoSSL fine-tuning checkpoint");
        var empty = Path.Combine(TestData.TempFolder("ft-empty"), "empty.ckpt");
        File.WriteAllBytes(empty, []);
        StringAssert.Contains(ResumeError(empty).Message, empty);

        var classifier = Path.Combine(TestData.TempFolder("ft-foreign"), "classifier.ckpt");
        using (var model = new ResNetClassifier(Config().Encoder, 10))
            ClassifierCheckpoint.Save(classifier, model, new ClassifierInfo(Config().Encoder, 10, Config().Input.WithSize(Size, Size), null));
        var e = ResumeError(classifier);
        StringAssert.Contains(e.Message, classifier);
        StringAssert.Contains(e.Message, "trained classifier");

        var missing = Path.Combine(TestData.TempFolder("ft-missing"), "none.ckpt");
        StringAssert.Contains(Assert.IsInstanceOfType<FileNotFoundException>(ResumeError(missing)).Message, missing);
    }

    [TestMethod]
    public void NonFiniteWeights_AreRefused_NamingTheFileAndTheWeight()
    {
        // Written intact (right checksum) from a model that holds NaN: a diverged run's state must not be resumed.
        var path = Path.Combine(TestData.TempFolder("ft-nan"), "nan.ckpt");
        using (var tuner = new FineTuner(GoodConfig, "cpu"))
        {
            using (no_grad()) tuner.Model.named_parameters().First(p => p.name == "layer3.0.conv2.weight").parameter[0, 0, 0, 0] = float.NaN;
            using var state = new LoopState();
            using var sgd = new MomentumSgd(tuner.Model.parameters(), 0.9, 1e-4);
            var task = new ClassificationTask(tuner.Model, GoodConfig, tuner.Device, Train(), Validation()); // data shape 128, 60, Size
            TrainingCheckpoint.Save(path, task, tuner.Schedule, state, sgd);
        }
        var e = ResumeError(path);
        Assert.IsInstanceOfType<InvalidDataException>(e);
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "layer3.0.conv2.weight");
        StringAssert.Contains(e.Message, "non-finite");
    }

    [TestMethod]
    public void MomentumSgd_StateRoundTrips_SoTheNextStepIsTheSame()
    {
        var all = EuroSat.All(Size);
        var bytes = Enumerable.Range(0, 16).SelectMany(i => all.Image(i).ToArray()).ToArray();
        using var x = tensor(bytes, new long[] { 16, 3, Size, Size }).to(ScalarType.Float32).div(255f);
        using var y = tensor(Enumerable.Range(0, 16).Select(i => (long)all.Label(i)).ToArray());
        var encoder = Config().Encoder;
        torch.manual_seed(7);
        using var a = new ResNetClassifier(encoder, 10);
        using var b = new ResNetClassifier(encoder, 10);
        using var sgdA = new MomentumSgd(a.parameters(), 0.9, 1e-4);
        void StepOf(ResNetClassifier m, MomentumSgd sgd)
        {
            sgd.ZeroGrad();
            using var loss = torch.nn.functional.cross_entropy(m.forward(x), y);
            loss.backward();
            sgd.Step(0.05);
        }
        StepOf(a, sgdA);
        StepOf(a, sgdA);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) { a.save(w); sgdA.SaveState(w); }
        var saved = stream.ToArray();
        using var sgdB = new MomentumSgd(b.parameters(), 0.9, 1e-4);
        using (var r = new BinaryReader(new MemoryStream(saved))) { b.load(r, strict: true); sgdB.LoadState(r); }
        StepOf(a, sgdA);
        StepOf(b, sgdB);
        var expected = Weights(a);
        var actual = Weights(b);
        foreach (var (name, w) in expected) CollectionAssert.AreEqual(w, actual[name], name);

        // An optimiser over other parameters (a frozen backbone trains fc only) refuses the state.
        using var frozen = new MomentumSgd(b.Fc.parameters(), 0.9, 1e-4);
        using var reader = new BinaryReader(new MemoryStream(saved));
        b.load(reader, strict: true);
        StringAssert.Contains(Assert.Throws<InvalidDataException>(() => frozen.LoadState(reader)).Message, "momentum buffer(s)");
    }

    [TestMethod]
    public void CheckpointWrites_GoThroughTheAtomicWriter_LeavingNoTemporaries()
    {
        var folder = TestData.TempFolder("ft-atomic");
        var path = Path.Combine(folder, "training.ckpt");
        using var tuner = new FineTuner(Config(epochs: 1), "cpu");
        tuner.Train(Train(), null, new TrainingRunOptions { CheckpointPath = path, CheckpointEveryNSteps = 1 });
        Assert.AreEqual(StepsPerEpoch, FineTuneCheckpoint.Verify(path).GlobalStep);
        Assert.IsEmpty(AtomicFile.StaleTemporaries(path));
        AssertNoTempFiles(folder);
    }
}
