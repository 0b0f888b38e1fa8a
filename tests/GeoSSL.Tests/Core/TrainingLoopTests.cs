using GeoSSL.Core.Engine;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Devices;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Tests.Core;

// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class TrainingLoopTests
{
    private const int Epochs = 4;
    private const int StepsPerEpoch = 5; // 160 images / batch 32
    private const double LearningRate = 0.05;
    private const float Tolerance = 1e-4f;

    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// oneDNN 3.7.1 (libtorch 2.10 in TorchSharp-cpu 0.107) returns garbage/NaN input gradients for float32 3x3
    /// convolutions with fewer input channels than its SIMD block (16 on AVX-512): every conv of layer1 in the
    /// BaseWidth-8 test encoder. These tests exercise the loop, so they switch libtorch's oneDNN convolutions off
    /// (libtorch's own kernels are exact) for this class only; <see cref="DefaultCpuBackend_TinyEncoderTrainsWithCorrectGradients"/>
    /// checks the library's own default state.
    /// </summary>
    internal static class OneDnn
    {
        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
        private static extern IntPtr GlobalContext();
        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
        private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);
        [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
        [return: MarshalAs(UnmanagedType.I1)]
        private static extern bool UserEnabledMkldnn(IntPtr context);

        /// <summary>Sets the flag and returns the previous value; null where the libtorch symbols are not available.</summary>
        public static bool? Set(bool enabled)
        {
            try
            {
                torch.zeros(1).Dispose(); // make sure TorchSharp has loaded libtorch
                var context = GlobalContext();
                bool previous = UserEnabledMkldnn(context);
                SetUserEnabledMkldnn(context, enabled);
                return previous;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
        }
    }

    private static bool? oneDnnBefore;

    [ClassInitialize]
    public static void DisableOneDnn(TestContext _) => oneDnnBefore = OneDnn.Set(false);

    [ClassCleanup]
    public static void RestoreOneDnn()
    {
        if (oneDnnBefore is bool before) OneDnn.Set(before);
    }

    /// <summary>Reports synchronously on the training thread (System.Progress posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }

    private static PretrainConfig Config(PretrainVariant variant = PretrainVariant.MoCoV2GeoTemporalPositives, int epochs = Epochs,
        double learningRate = LearningRate) => new()
    {
        Variant = variant,
        Model = new MocoOptions
        {
            Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 8, SmallInputStem = false },
            QueueSize = 100, // deliberately not a multiple of the batch
            Momentum = 0.99,
            GeoClasses = variant.UsesGeo() ? 8 : 0,
            Contrastive = variant.UsesContrastive(),
        },
        Augmentation = new AugmentationOptions { OutputSize = 32 },
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = learningRate,
        BatchNormGroups = 2,
        Seed = 5,
        ReportEveryNSteps = 1,
    };

    private sealed record RunSnapshot(TrainingResult Result, Dictionary<string, float[]> Weights, List<TrainingProgress> Reports, string Checkpoint);

    private static Dictionary<string, float[]> Weights(Pretrainer trainer) =>
        trainer.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(ScalarType.Float32).cpu().data<float>().ToArray());

    /// <summary>Run A: 4 uninterrupted epochs with a checkpoint path, shared by the resume and progress tests.</summary>
    private static readonly Lazy<RunSnapshot> Reference = new(() =>
    {
        var folder = TestData.TempFolder("train-reference");
        var path = Path.Combine(folder, "a.ckpt");
        var reports = new List<TrainingProgress>();
        using var trainer = new Pretrainer(Config(), "cpu");
        var result = trainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions
        {
            CheckpointPath = path, Progress = new SyncProgress(reports.Add),
        });
        return new RunSnapshot(result, Weights(trainer), reports, path);
    });

    private static void AssertSameRun(RunSnapshot expected, TrainingResult actual, Dictionary<string, float[]> weights, string what)
    {
        Assert.IsTrue(actual.Completed, $"{what}: not completed");
        Assert.HasCount(expected.Result.StepLosses.Count, actual.StepLosses, $"{what}: step count");
        for (int i = 0; i < actual.StepLosses.Count; i++)
            Assert.AreEqual(expected.Result.StepLosses[i], actual.StepLosses[i], Tolerance, $"{what}: loss of step {i}");
        Assert.HasCount(expected.Result.Epochs.Count, actual.Epochs);
        for (int e = 0; e < actual.Epochs.Count; e++)
        {
            Assert.AreEqual(expected.Result.Epochs[e].Epoch, actual.Epochs[e].Epoch);
            Assert.AreEqual(expected.Result.Epochs[e].Loss, actual.Epochs[e].Loss, Tolerance, $"{what}: epoch {e + 1} loss");
            Assert.AreEqual(expected.Result.Epochs[e].Metric(MetricNames.Geo), actual.Epochs[e].Metric(MetricNames.Geo), Tolerance, $"{what}: epoch {e + 1} geo loss");
            Assert.AreEqual(expected.Result.Epochs[e].LearningRate, actual.Epochs[e].LearningRate, 1e-12, $"{what}: epoch {e + 1} lr");
        }
        CollectionAssert.AreEquivalent(expected.Weights.Keys.ToList(), weights.Keys.ToList());
        Assert.IsTrue(weights.Keys.Any(k => k.StartsWith("encoder_q.")) && weights.ContainsKey("queue"));
        foreach (var (name, w) in expected.Weights)
        {
            var other = weights[name];
            float worst = 0;
            for (int i = 0; i < w.Length; i++) worst = Math.Max(worst, Math.Abs(w[i] - other[i]));
            Assert.IsLessThan(Tolerance, worst, $"{what}: weights '{name}' differ by {worst:E2}");
        }
    }

    private static void AssertNoTempFiles(string folder) =>
        Assert.IsEmpty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories), "a checkpoint write left a temporary file");

    [TestMethod]
    public void LossDecreases_OnRealTiles()
    {
        TrainingResult Run(double lr, TestBatchSource source)
        {
            using var trainer = new Pretrainer(Config(epochs: 6, learningRate: lr), "cpu");
            var result = trainer.Train(source, new TrainingRunOptions());
            foreach (var e in result.Epochs)
                TestContext.WriteLine($"lr {lr}: epoch {e.Epoch}: loss {e.Loss:F4} contrastive {e.Metric(MetricNames.Contrastive):F4} geo {e.Metric(MetricNames.Geo):F4} lr {e.LearningRate:F4} {e.SamplesPerSecond:F0} img/s");
            return result;
        }
        var source = TestBatchSource.Oscd();
        var trained = Run(LearningRate, source);
        Assert.IsTrue(trained.Completed);
        Assert.HasCount(6, trained.Epochs);
        Assert.HasCount(6 * StepsPerEpoch, trained.StepLosses);
        Assert.AreEqual(6 * StepsPerEpoch, source.Batches);
        Assert.IsTrue(trained.StepLosses.All(float.IsFinite));
        var first = trained.Epochs[0];
        var second = trained.Epochs[1]; // the queue (100) is full of real keys from step 4 on
        var last = trained.Epochs[^1];
        Assert.AreEqual(Math.Log(8), first.Metric(MetricNames.Geo), 0.3, "an untrained 8-way geo head should start near ln 8");
        Assert.AreEqual(last.Metric(MetricNames.Contrastive) + last.Metric(MetricNames.Geo), last.Loss, 1e-4);
        Assert.IsLessThan(first.Loss, last.Loss, "total loss did not decrease from the first to the last epoch");
        Assert.IsLessThan(second.Loss - 0.3, last.Loss, "total loss did not decrease once the queue was full");
        Assert.IsLessThan(second.Metric(MetricNames.Contrastive), last.Metric(MetricNames.Contrastive), "contrastive loss did not decrease once the queue was full");
        Assert.IsLessThan(0.8 * first.Metric(MetricNames.Geo), last.Metric(MetricNames.Geo), $"geo loss {first.Metric(MetricNames.Geo):F3} -> {last.Metric(MetricNames.Geo):F3}");

        // control: the same run with a learning rate too small to change anything stays at chance level
        var control = Run(1e-7, TestBatchSource.Oscd());
        Assert.AreEqual(Math.Log(8), control.Epochs[^1].Metric(MetricNames.Geo), 0.15);
        Assert.IsLessThan(control.Epochs[^1].Metric(MetricNames.Geo) - 0.3, last.Metric(MetricNames.Geo));
        Assert.IsLessThan(control.Epochs[^1].Loss - 0.5, last.Loss);
    }

    [TestMethod]
    public void GeoOnly_TrainsWithoutKeyEncoder()
    {
        var config = Config(PretrainVariant.GeoOnly, epochs: 4);
        var source = TestBatchSource.Oscd(temporalPositives: false);
        using var trainer = new Pretrainer(config, "cpu");
        var names = trainer.Model.state_dict().Keys.ToList();
        Assert.IsFalse(names.Any(n => n.StartsWith("encoder_k.") || n.StartsWith("head_k.") || n == "queue"), "geo-only model has a key encoder or queue");
        Assert.IsTrue(names.Any(n => n.StartsWith("encoder_q.")) && names.Any(n => n.StartsWith("geo_head.")));
        var result = trainer.Train(source, new TrainingRunOptions());
        foreach (var e in result.Epochs) TestContext.WriteLine($"epoch {e.Epoch}: geo {e.Metric(MetricNames.Geo):F4}");
        Assert.IsTrue(result.Completed);
        Assert.AreEqual(4 * StepsPerEpoch, source.Batches);
        Assert.IsTrue(result.Epochs.All(e => e.Metric(MetricNames.Contrastive) == 0), "geo-only run reports a contrastive loss");
        Assert.IsTrue(result.Epochs.All(e => Math.Abs(e.Loss - e.Metric(MetricNames.Geo)) < 1e-6));
        Assert.IsLessThan(0.9 * result.Epochs[0].Metric(MetricNames.Geo), result.Epochs[^1].Metric(MetricNames.Geo));
        Assert.Throws<InvalidOperationException>(() => trainer.Model.QueueSnapshot());
    }

    [TestMethod]
    public void DefaultCpuBackend_TinyEncoderTrainsWithCorrectGradients()
    {
        // Runs in libtorch's default state (oneDNN as the process started with), i.e. what a user of the library gets.
        bool? mine = OneDnn.Set(oneDnnBefore ?? true);
        try
        {
            var config = Config(epochs: 1);
            using var trainer = new Pretrainer(config, "cpu");
            TrainingResult? result = null;
            try { result = trainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions()); }
            catch (InvalidOperationException e) { Assert.Fail("Training the BaseWidth-8 encoder on the CPU failed: " + e.Message); }
            Assert.IsTrue(result!.StepLosses.All(float.IsFinite), "non-finite step loss: " + string.Join(", ", result.StepLosses));

            // Gradients of the trained query encoder on real batches. The oneDNN fault reads uninitialised memory, so it shows
            // up in about half of the backward passes: try 12. Like is compared with like: the library's backend (oneDNN as the
            // trainer left it) against libtorch's own kernels, both float32 and both differentiating the SAME forward graph, so
            // activations and ReLU masks are shared and only the backward kernels differ. Their sums may run in another order:
            // float32 reductions of K terms differ by about sqrt(K)·u (u = 2^-24); K ≤ 16·32·32 = 16384 here, so ≤ 128·6e-8 ≈ 8e-6
            // per reduction, over ~40 chained reductions (ResNet-18 forward + backward) ≈ 3e-4. The bound is 1e-3; the fault
            // gives NaN or errors of order 1.
            // Not against a float64 twin (as before): float32 and float64 forward passes can put a pre-activation on opposite
            // sides of a ReLU kink, which moves every gradient upstream of it. With 2x2 maps at layer3 one such element is 1/64
            // of a channel's sum; ATen's AVX2 kernels (AMD Zen 3, or ATEN_CPU_CAPABILITY=avx2) hit it in 2 passes of 12 with
            // max-element errors of 1.8e-3 and 7.7e-2, while the gradients themselves were right.
            var source = TestBatchSource.Oscd();
            var encoder = trainer.Encoder;
            encoder.train();
            var parameters = encoder.named_parameters().ToList();
            var bytes = new byte[16 * 3 * 64 * 64];
            for (int trial = 0; trial < 12; trial++)
            {
                source.FillBatch(Enumerable.Range(0, 16).Select(i => (i * 10 + trial) % source.Count).ToArray(), new Random(trial), bytes, new byte[bytes.Length], new long[16]);
                using var scope = NewDisposeScope();
                var x = F.interpolate(tensor(bytes, new long[] { 16, 3, 64, 64 }).to(ScalarType.Float32).div(255f), new long[] { 32, 32 }, mode: InterpolationMode.Bilinear);
                var projection = randn(new long[] { encoder.FeatureDimension, 4 }, generator: new Generator((ulong)trial));
                var loss = encoder.forward(x).matmul(projection).pow(2).sum();
                var library = Gradients(loss, parameters, retainGraph: true);
                bool? libraryState = OneDnn.Set(false);
                var reference = Gradients(loss, parameters, retainGraph: false);
                if (libraryState is bool state) OneDnn.Set(state);

                var wrong = new List<string>();
                for (int i = 0; i < parameters.Count; i++)
                {
                    string name = parameters[i].name;
                    double scale = reference[i].abs().max().item<float>() + 1e-6;
                    double error = (library[i] - reference[i]).abs().max().item<float>() / scale;
                    if (!(error < 1e-3)) wrong.Add($"{name} (relative error {error:E1})");
                }
                Assert.IsEmpty(wrong, $"backward pass {trial + 1}: the library's float32 gradients disagree with libtorch's own kernels on the same forward graph " +
                    "(oneDNN convolution backward-data with < 16 input channels?): " + string.Join(", ", wrong));
            }
        }
        finally
        {
            if (mine is not null) OneDnn.Set(false);
        }
    }

    /// <summary>Gradients of <paramref name="loss"/> for the parameters, as detached float32 copies (zeroed before).</summary>
    private static List<Tensor> Gradients(Tensor loss, List<(string name, TorchSharp.Modules.Parameter parameter)> parameters, bool retainGraph)
    {
        foreach (var (_, p) in parameters) p.grad?.zero_();
        loss.backward(retain_graph: retainGraph);
        return parameters.Select(p => p.parameter.grad!.detach().clone()).ToList();
    }

    [TestMethod]
    public void ResumeFromEpochCheckpoint_ReproducesTheUninterruptedRun()
    {
        var reference = Reference.Value;
        var folder = TestData.TempFolder("train-resume-epoch");
        var path = Path.Combine(folder, "b.ckpt");
        using (var first = new Pretrainer(Config(), "cpu"))
        {
            var partial = first.Train(TestBatchSource.Oscd(), new TrainingRunOptions { CheckpointPath = path, StopAfterEpochs = 2 });
            Assert.IsFalse(partial.Completed);
            Assert.HasCount(2, partial.Epochs);
            Assert.HasCount(2 * StepsPerEpoch, partial.StepLosses);
            for (int i = 0; i < partial.StepLosses.Count; i++)
                Assert.AreEqual(reference.Result.StepLosses[i], partial.StepLosses[i], Tolerance, $"same seed, step {i}");
        }
        Assert.IsTrue(File.Exists(path));
        AssertNoTempFiles(folder);
        Assert.AreEqual(ConfigJson.Serialize(Config()), ConfigJson.Serialize(Checkpoint.ReadConfig(path)));

        var source = TestBatchSource.Oscd();
        using var second = new Pretrainer(Config(), "cpu");
        var resumed = second.Train(source, new TrainingRunOptions { CheckpointPath = path, ResumeFrom = path });
        Assert.AreEqual(2 * StepsPerEpoch, source.Batches, "the resumed run should only train epochs 3-4");
        AssertSameRun(reference, resumed, Weights(second), "resumed from epoch 2");
        AssertNoTempFiles(folder);

        // resuming a finished run trains nothing and returns the same history
        var idle = TestBatchSource.Oscd();
        using var third = new Pretrainer(Config(), "cpu");
        var again = third.Train(idle, new TrainingRunOptions { ResumeFrom = path });
        Assert.AreEqual(0, idle.Batches);
        AssertSameRun(reference, again, Weights(third), "resumed from the final checkpoint");
    }

    [TestMethod]
    public void CancelMidEpoch_WithStepCheckpoints_ResumesToTheSameResult()
    {
        var reference = Reference.Value;
        var folder = TestData.TempFolder("train-resume-step");
        var path = Path.Combine(folder, "c.ckpt");
        var stepCopy = Path.Combine(folder, "after-step-2.ckpt");
        using var cts = new CancellationTokenSource();
        var seen = new List<TrainingProgress>();
        var progress = new SyncProgress(p =>
        {
            seen.Add(p);
            if (!p.IsEpochEnd && p.Epoch == 2 && p.Step == 3)
            {
                // the file now holds the step checkpoint written after step 2 of epoch 2
                File.Copy(path, stepCopy);
                cts.Cancel();
            }
        });
        using (var trainer = new Pretrainer(Config(), "cpu"))
        {
            Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions
            {
                CheckpointPath = path, CheckpointEveryNSteps = 2, Progress = progress, CancellationToken = cts.Token,
            }));
        }
        Assert.IsTrue(File.Exists(path), "no checkpoint after cancellation");
        Assert.IsTrue(File.Exists(stepCopy), "the cancellation point was never reached");
        Assert.IsFalse(seen.Any(p => p.Epoch == 2 && p.Step == 4), "training went on after cancellation");
        AssertNoTempFiles(folder);

        // the cancellation checkpoint: 8 steps done, 12 to go
        var source = TestBatchSource.Oscd();
        using (var resumed = new Pretrainer(Config(), "cpu"))
        {
            var result = resumed.Train(source, new TrainingRunOptions { ResumeFrom = path });
            Assert.AreEqual(4 * StepsPerEpoch - 8, source.Batches);
            AssertSameRun(reference, result, Weights(resumed), "resumed after cancellation");
        }

        // the periodic mid-epoch checkpoint: 7 steps done, 13 to go
        var fromStep = TestBatchSource.Oscd();
        using (var resumed = new Pretrainer(Config(), "cpu"))
        {
            var result = resumed.Train(fromStep, new TrainingRunOptions { ResumeFrom = stepCopy });
            Assert.AreEqual(4 * StepsPerEpoch - 7, fromStep.Batches);
            AssertSameRun(reference, result, Weights(resumed), "resumed from the step-2 checkpoint");
        }
    }

    [TestMethod]
    public void ResumeWithADifferentConfiguration_Throws()
    {
        var checkpoint = Reference.Value.Checkpoint;
        foreach (var other in new[] { Config(learningRate: 0.1), Config() with { Seed = 6 }, Config() with { Augmentation = new AugmentationOptions { OutputSize = 40 } } })
        {
            var source = TestBatchSource.Oscd();
            using var trainer = new Pretrainer(other, "cpu");
            var e = Assert.Throws<ArgumentException>(() => trainer.Train(source, new TrainingRunOptions { ResumeFrom = checkpoint }));
            StringAssert.Contains(e.Message, checkpoint);
            Assert.AreEqual(0, source.Batches);
        }
        using var missing = new Pretrainer(Config(), "cpu");
        Assert.Throws<FileNotFoundException>(() => missing.Train(TestBatchSource.Oscd(),
            new TrainingRunOptions { ResumeFrom = Path.Combine(TestData.TempFolder("no-ckpt"), "none.ckpt") }));
    }

    [TestMethod]
    public void Progress_ReportsStepsAndEpochs_WithCosineLearningRate()
    {
        var reports = Reference.Value.Reports;
        var steps = reports.Where(r => !r.IsEpochEnd).ToList();
        var ends = reports.Where(r => r.IsEpochEnd).ToList();
        Assert.HasCount(Epochs, ends);
        Assert.HasCount(Epochs * (StepsPerEpoch - 1), steps); // every step but the last of an epoch, which the epoch report covers
        CollectionAssert.AreEqual(Enumerable.Range(1, Epochs).ToArray(), ends.Select(r => r.Epoch).ToArray());
        foreach (var r in reports)
        {
            Assert.AreEqual(Epochs, r.Epochs);
            Assert.AreEqual((long)StepsPerEpoch, r.StepsPerEpoch);
            Assert.IsTrue(double.IsFinite(r.SamplesPerSecond) && r.SamplesPerSecond > 0, $"images/s = {r.SamplesPerSecond} in {r}");
            Assert.IsTrue(double.IsFinite(r.Loss) && r.Loss > 0, r.ToString());
            long global = (r.Epoch - 1) * StepsPerEpoch + r.Step - 1;
            double expectedLr = LearningRate * 0.5 * (1 + Math.Cos(Math.PI * global / (Epochs * StepsPerEpoch)));
            Assert.AreEqual(expectedLr, r.LearningRate, 1e-12, $"lr of {r}");
        }
        Assert.AreEqual(LearningRate, steps[0].LearningRate, 1e-12);
        for (int i = 1; i < ends.Count; i++)
            Assert.IsLessThan(ends[i - 1].LearningRate, ends[i].LearningRate, "cosine schedule should decrease every epoch");
        Assert.IsLessThan(ends[0].LearningRate, ends[^1].LearningRate);
        for (int e = 0; e < Epochs; e++)
        {
            var epochSteps = steps.Where(s => s.Epoch == e + 1).Select(s => s.Step).ToArray();
            CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4 }, epochSteps);
            Assert.AreEqual(Reference.Value.Result.Epochs[e].Loss, ends[e].Loss, 1e-12);
            Assert.AreEqual((long)StepsPerEpoch, ends[e].Step);
        }
        Assert.IsTrue(ends.Zip(ends.Skip(1)).All(p => p.Second.Elapsed >= p.First.Elapsed));
    }

    [TestMethod]
    public void DeviceSelector_CpuWorks_CudaNeedsTheCudaPackage_UnknownIsRejected()
    {
        Assert.AreEqual(DeviceType.CPU, DeviceSelector.Resolve("cpu").type);
        Assert.AreEqual(DeviceType.CPU, DeviceSelector.Resolve(" CPU ").type);
        Assert.IsFalse(cuda.is_available(), "this test expects a machine without a GPU");
        Assert.AreEqual(DeviceType.CPU, DeviceSelector.Resolve("auto").type);
        Assert.AreEqual(DeviceType.CPU, DeviceSelector.Resolve(null).type);
        foreach (var spec in new[] { "cuda", "cuda:0", "CUDA:1" })
        {
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => DeviceSelector.Resolve(spec));
            StringAssert.Contains(e.Message, "TorchSharp-cuda");
            StringAssert.Contains(e.Message, spec);
        }
        var gpu = Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("gpu"));
        StringAssert.Contains(gpu.Message, "gpu");
        Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("cuda:x"));
        var ctor = Assert.ThrowsExactly<InvalidOperationException>(() => new Pretrainer(Config(), "cuda"));
        StringAssert.Contains(ctor.Message, "TorchSharp-cuda");
        Assert.Throws<ArgumentException>(() => new Pretrainer(Config(), "gpu"));

        using var trainer = new Pretrainer(Config(), "cpu");
        Assert.AreEqual(DeviceType.CPU, trainer.Device.type);
        Assert.IsTrue(trainer.Model.parameters().All(p => p.device_type == DeviceType.CPU));
    }
}
