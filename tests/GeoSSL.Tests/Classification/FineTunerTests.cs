using GeoSSL.Core.Engine;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Tests.Core;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace GeoSSL.Tests.Classification;

/// <summary>The TorchSharp fine-tuning loop, classifier, checkpoint loading and ONNX export on the bundled EuroSAT patches (32 px).</summary>
// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class FineTunerTests
{
    private const int Size = 32;

    public TestContext TestContext { get; set; } = null!;

    private static readonly ResNetOptions Tiny = new() { Depth = ResNetDepth.ResNet18, BaseWidth = 16 };

    private static FineTuneConfig Config(int epochs = 2, double learningRate = 0.02) => new()
    {
        Encoder = Tiny, NumClasses = 10, Epochs = epochs, BatchSize = 32, LearningRate = learningRate, Seed = 3, ReportEveryNSteps = 1,
    };

    private static Dictionary<string, byte[]> Weights(torch.nn.Module model) => model.state_dict().ToDictionary(kv => kv.Key, kv => Bytes(kv.Value));

    private static byte[] Bytes(Tensor t)
    {
        using var scope = NewDisposeScope();
        var cpu = t.detach().cpu().contiguous();
        return cpu.dtype == ScalarType.Int64
            ? cpu.data<long>().ToArray().SelectMany(BitConverter.GetBytes).ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.to(ScalarType.Float32).data<float>().ToArray().AsSpan()).ToArray();
    }

    [TestMethod]
    public void Classifier_StateDictHasExactlyTorchvisionResNet18Keys()
    {
        using var model = new ResNetClassifier(Tiny, 10);
        var keys = model.state_dict().Keys.ToList();
        Assert.AreEqual(122, keys.Count, "torchvision's resnet18().state_dict() has 122 entries");
        foreach (var k in new[] { "conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                     "layer2.0.downsample.1.running_var", "layer4.1.bn2.bias", "fc.weight", "fc.bias" })
            CollectionAssert.Contains(keys, k);
        CollectionAssert.AreEquivalent(model.Encoder.state_dict().Keys.Concat(new[] { "fc.weight", "fc.bias" }).ToList(), keys);
        CollectionAssert.AreEqual(new long[] { 10, 128 }, model.state_dict()["fc.weight"].shape);
        using var x = torch.rand(2, 3, Size, Size);
        using var logits = model.forward(x);
        CollectionAssert.AreEqual(new long[] { 2, 10 }, logits.shape);
    }

    [TestMethod]
    public void FreezeBackbone_LeavesEveryEncoderTensorBitIdentical_WhileFcLearns()
    {
        var (train, validation) = EuroSat.Split(Size);
        using var tuner = new FineTuner(Config(epochs: 2, learningRate: 0.05) with { FreezeBackbone = true }, "cpu");
        var before = Weights(tuner.Model);
        var result = tuner.Train(train, validation);
        var after = Weights(tuner.Model);
        int checkedTensors = 0;
        foreach (var (name, bytes) in before.Where(kv => !kv.Key.StartsWith("fc.")))
        {
            CollectionAssert.AreEqual(bytes, after[name], $"'{name}' changed although the backbone is frozen");
            checkedTensors++;
        }
        Assert.AreEqual(120, checkedTensors, "weights, BatchNorm statistics and counters of the backbone");
        CollectionAssert.AreNotEqual(before["fc.weight"], after["fc.weight"], "fc learns");
        CollectionAssert.AreNotEqual(before["fc.bias"], after["fc.bias"], "fc learns");
        Assert.IsTrue(result.Epochs.All(e => double.IsFinite(e.Metrics["loss"])));
    }

    [TestMethod]
    public void EarlyStopping_WithNothingToLearn_StopsAfterPatienceEpochs()
    {
        // Learning rate 0 and a frozen backbone: the model never changes, so validation accuracy never improves after epoch 1.
        var (train, validation) = EuroSat.Split(Size);
        using var tuner = new FineTuner(Config(epochs: 10, learningRate: 0) with { FreezeBackbone = true, EarlyStoppingPatience = 2 }, "cpu");
        var before = Weights(tuner.Model);
        var result = tuner.Train(train, validation);
        Assert.AreEqual(3, result.Epochs.Count, "epoch 1 sets the best, epochs 2 and 3 do not improve, patience 2 stops");
        Assert.IsTrue(result.EarlyStopped);
        Assert.AreEqual(1, result.BestEpoch);
        Assert.AreEqual(1, result.Epochs.Select(e => e.Validation?["accuracy"]).Distinct().Count());
        var after = Weights(tuner.Model);
        foreach (var (name, bytes) in before) CollectionAssert.AreEqual(bytes, after[name], name);
    }

    [TestMethod]
    public void EarlyStopping_RestoresTheBestEpochsWeights()
    {
        // The assertions need a run whose best epoch lies inside it; pin the convolution backend so that the trajectory is the
        // same whichever tests ran before (narrow encoders switch oneDNN off process-wide, which changes the float rounding).
        GeoSSL.Core.Devices.CpuConvolutionFix.Apply();
        var (train, validation) = EuroSat.Split(Size);
        using var tuner = new FineTuner(Config(epochs: 20, learningRate: 0.02) with { EarlyStoppingPatience = 2 }, "cpu");
        var perEpoch = new List<Dictionary<string, byte[]>>();
        var result = tuner.Train(train, validation, new TrainingRunOptions
        {
            Progress = new SyncProgress<TrainingProgress>(p => { if (p.IsEpochEnd) perEpoch.Add(Weights(tuner.Model)); }),
        });
        TestContext.WriteLine(string.Join(" ", result.Epochs.Select(e => $"{e.Epoch}:{e.Validation?["accuracy"]:P1}")) + $" best {result.BestEpoch}");
        Assert.IsTrue(result.EarlyStopped, "patience 2 with a high learning rate stops well before 20 epochs");
        Assert.IsTrue(result.Epochs.Count < tuner.Config.Epochs);
        int best = result.BestEpoch!.Value;
        Assert.IsTrue(best > 1 && best < result.Epochs.Count, "the best epoch is neither the first nor the last");
        Assert.AreEqual(best + 2, result.Epochs.Count, "stopped two epochs after the best");
        Assert.IsTrue(result.RestoredBestWeights);
        Assert.AreEqual(result.Epochs.Max(e => e.Validation?["accuracy"]), result.Epochs[best - 1].Validation?["accuracy"]);
        Assert.AreEqual(best, result.Epochs.First(e => e.Validation?["accuracy"] == result.Epochs.Max(x => x.Validation?["accuracy"])).Epoch, "first of equal bests");

        var final = Weights(tuner.Model);
        foreach (var (name, bytes) in perEpoch[best - 1]) CollectionAssert.AreEqual(bytes, final[name], $"'{name}' is the best epoch's");
        Assert.IsTrue(perEpoch[^1].Any(kv => !kv.Value.SequenceEqual(final[kv.Key])), "the last epoch's weights were different");
        var (loss, accuracy) = tuner.Evaluate(validation);
        Assert.AreEqual(result.Epochs[best - 1].Validation!["accuracy"], accuracy, 1e-12);
        Assert.AreEqual(result.Epochs[best - 1].Validation!["loss"], loss, 1e-5);
    }

    [TestMethod]
    public void PretrainingCheckpoint_LoadsTheQueryEncoder()
    {
        // A real checkpoint written by the Pretrainer after one epoch on the OSCD tiles (BatchNorm statistics have moved).
        string ckpt = Path.Combine(TestData.TempFolder("finetune-ckpt"), "pretrained.ckpt");
        var pretrain = new PretrainConfig
        {
            Variant = PretrainVariant.MoCoV2,
            Model = new MocoOptions { Encoder = Tiny, QueueSize = 64, Momentum = 0.99, GeoClasses = 0, Contrastive = true },
            Augmentation = new AugmentationOptions { OutputSize = Size },
            Input = ImageInputSpec.Rgb(Size, [0.4f, 0.45f, 0.5f], [0.2f, 0.21f, 0.22f]),
            Epochs = 1, BatchSize = 32, LearningRate = 0.05, BatchNormGroups = 2, Seed = 11,
        };
        using var pretrainer = new Pretrainer(pretrain, "cpu");
        pretrainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions { CheckpointPath = ckpt });

        var info = PretrainedEncoder.Read(ckpt);
        Assert.AreEqual(Tiny, info.Encoder);
        CollectionAssert.AreEqual(new[] { 0.4f, 0.45f, 0.5f }, info.Input.Mean);
        CollectionAssert.AreEqual(new[] { 0.2f, 0.21f, 0.22f }, info.Input.Std);
        Assert.AreEqual(Size, info.Input.Height);

        using var tuner = new FineTuner(Config() with { Encoder = info.Encoder, Input = info.Input }, "cpu");
        var all = EuroSat.All(Size);
        using var x = Normalized(all, 64, info.Input.Mean, info.Input.Std);
        var reference = Features(pretrainer.Encoder, x);
        var randomInit = Features(tuner.Model.Encoder, x);
        tuner.LoadPretrainedEncoder(ckpt);
        var loaded = Features(tuner.Model.Encoder, x);
        double toReference = MaxAbsDiff(loaded, reference), fromRandom = MaxAbsDiff(randomInit, reference);
        TestContext.WriteLine($"encoder features vs the pretrainer's: after loading {toReference:E2}, random init {fromRandom:E2}");
        Assert.IsTrue(toReference <= 1e-6, $"loaded encoder gives the pretrained features ({toReference})");
        Assert.IsTrue(fromRandom > 1e-2, "a random encoder does not");
        var pretrained = Weights(pretrainer.Encoder);
        var backbone = Weights(tuner.Model.Encoder);
        foreach (var (name, bytes) in pretrained) CollectionAssert.AreEqual(bytes, backbone[name], name);

        using var wider = new FineTuner(Config() with { Encoder = Tiny with { BaseWidth = 32 } }, "cpu");
        var e = Assert.ThrowsExactly<ArgumentException>(() => wider.LoadPretrainedEncoder(ckpt));
        StringAssert.Contains(e.Message, "base width 16");
    }

    [TestMethod]
    public void OnnxExport_MatchesTorchSharpProbabilities_OnRealPatches()
    {
        var (train, _) = EuroSat.Split(Size);
        using var tuner = new FineTuner(Config(epochs: 1), "cpu");
        tuner.Train(train); // moves BatchNorm statistics and fc away from their initial values
        var all = EuroSat.All(Size);
        var pixels = Enumerable.Range(0, all.Count).SelectMany(i => all.Image(i).ToArray()).ToArray();
        var torchProbabilities = tuner.PredictProbabilities(pixels, all.Count, Size, Size);

        var onnx = OnnxClassifierExporter.Export(tuner.Model, OnnxExportOptions.ForClassifier() with
        {
            Input = tuner.Config.Input.WithSize(Size, Size), ClassNames = EuroSat.ClassNames,
        });
        using var session = new InferenceSession(onnx);
        CollectionAssert.AreEqual(new[] { "probabilities", "label_index" }, session.OutputMetadata.Keys.ToArray());
        var input = new DenseTensor(pixels.Select(b => (float)b).ToArray(), new[] { all.Count, 3, Size, Size });
        using var outputs = session.Run(new[] { NamedOnnxValue.CreateFromTensor("input", input) });
        var probabilities = outputs.First(o => o.Name == "probabilities").AsTensor<float>();
        var indices = outputs.First(o => o.Name == "label_index").AsTensor<long>();
        CollectionAssert.AreEqual(new[] { all.Count, 10 }, probabilities.Dimensions.ToArray());
        CollectionAssert.AreEqual(new[] { all.Count, 1 }, indices.Dimensions.ToArray());
        double max = 0;
        for (int i = 0; i < all.Count; i++)
        {
            var row = Enumerable.Range(0, 10).Select(j => probabilities[i, j]).ToArray();
            for (int j = 0; j < 10; j++) max = Math.Max(max, Math.Abs(row[j] - torchProbabilities[i][j]));
            Assert.AreEqual(GeoImageClassifierTests.ArgMax(row), (int)indices[i, 0], $"row {i}: label_index is the arg max");
        }
        TestContext.WriteLine($"ONNX vs TorchSharp probabilities on {all.Count} patches: max |diff| = {max:E2}");
        Assert.IsTrue(max <= 1e-4, $"max abs diff {max}");
        Assert.AreEqual(System.Text.Json.JsonSerializer.Serialize(EuroSat.ClassNames), session.ModelMetadata.CustomMetadataMap["geossl.class_names"]);
    }

    [TestMethod]
    public void LastBatchOfOneImage_IsMergedIntoThePreviousBatch()
    {
        // 33 images in batches of 32: a lone 33rd image would reach layer4 as 1x1 and BatchNorm cannot train on one value.
        var (train, _) = EuroSat.Split(Size);
        var small = train.Subset(Enumerable.Range(0, 33).ToList());
        using var tuner = new FineTuner(Config(epochs: 2), "cpu");
        var result = tuner.Train(small);
        Assert.AreEqual(2, result.StepLosses.Count, "one step of 33 images per epoch");
    }

    [TestMethod]
    public void NonFiniteLoss_ThrowsAClearError()
    {
        var (train, _) = EuroSat.Split(Size);
        using var tuner = new FineTuner(Config(epochs: 2, learningRate: 1e30), "cpu");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => tuner.Train(train.Subset(Enumerable.Range(0, 128).ToList())));
        StringAssert.Contains(e.Message, "loss became");
        StringAssert.Contains(e.Message, "Lower LearningRate");
    }

    [TestMethod]
    public void Cancellation_StopsTraining()
    {
        var (train, _) = EuroSat.Split(Size);
        using var cts = new CancellationTokenSource();
        int steps = 0;
        using var tuner = new FineTuner(Config(epochs: 3), "cpu");
        Assert.ThrowsExactly<OperationCanceledException>(() => tuner.Train(train, null, new TrainingRunOptions
        {
            CancellationToken = cts.Token,
            Progress = new SyncProgress<TrainingProgress>(p => { if (!p.IsEpochEnd && ++steps == 2) cts.Cancel(); }),
        }));
        Assert.AreEqual(2, steps, "no step runs after cancellation");
    }

    [TestMethod]
    public void SameSeed_GivesTheSameRun()
    {
        var (train, _) = EuroSat.Split(Size);
        var data = train.Subset(Enumerable.Range(0, 64).ToList());
        float[] Run()
        {
            using var tuner = new FineTuner(Config(epochs: 1), "cpu");
            return tuner.Train(data).StepLosses.ToArray();
        }
        CollectionAssert.AreEqual(Run(), Run());
    }

    [TestMethod]
    public void MomentumSgd_MatchesTorchSharpsSgd()
    {
        // The loop's own SGD (kept-alive scalars) against torch.optim.SGD on the same model, data and gradients: 3 steps.
        var all = EuroSat.All(Size);
        var bytes = Enumerable.Range(0, 16).SelectMany(i => all.Image(i).ToArray()).ToArray();
        using var x = tensor(bytes, new long[] { 16, 3, Size, Size }).to(ScalarType.Float32).div(255f);
        using var y = tensor(Enumerable.Range(0, 16).Select(i => (long)all.Label(i)).ToArray());
        torch.manual_seed(5);
        using var a = new ResNetClassifier(Tiny, 10);
        using var b = new ResNetClassifier(Tiny, 10);
        using (no_grad()) foreach (var (name, t) in b.state_dict()) t.copy_(a.state_dict()[name]);
        using var reference = torch.optim.SGD(a.parameters(), 0.1, momentum: 0.9, weight_decay: 1e-4);
        using var mine = new MomentumSgd(b.parameters(), 0.9, 1e-4);
        for (int step = 0; step < 3; step++)
        {
            reference.zero_grad();
            using (var loss = torch.nn.functional.cross_entropy(a.forward(x), y)) loss.backward();
            reference.step();
            mine.ZeroGrad();
            using (var loss = torch.nn.functional.cross_entropy(b.forward(x), y)) loss.backward();
            mine.Step(0.1);
        }
        var expected = Weights(a);
        var actual = Weights(b);
        foreach (var (name, w) in expected) CollectionAssert.AreEqual(w, actual[name], name);
    }

    [TestMethod]
    public void ClassifierCheckpoint_RoundTripsWeightsAndInfo()
    {
        string path = Path.Combine(TestData.TempFolder("classifier-ckpt"), "c.ckpt");
        torch.manual_seed(21);
        using var model = new ResNetClassifier(Tiny, 4);
        var info = new ClassifierInfo(Tiny, 4, ImageInputSpec.Rgb(Size, [0.1f, 0.2f, 0.3f], [0.4f, 0.5f, 0.6f]), ["a", "b", "c", "d"]);
        ClassifierCheckpoint.Save(path, model, info);
        var (loaded, readInfo) = ClassifierCheckpoint.Load(path);
        using (loaded)
        {
            Assert.AreEqual(info.Encoder, readInfo.Encoder);
            CollectionAssert.AreEqual(info.ClassNames, readInfo.ClassNames);
            CollectionAssert.AreEqual(info.Input.Std, readInfo.Input.Std);
            var expected = Weights(model);
            var actual = Weights(loaded);
            foreach (var (name, bytes) in expected) CollectionAssert.AreEqual(bytes, actual[name], name);
        }
    }

    private static Tensor Normalized(LabeledImages images, int count, float[] mean, float[] std)
    {
        var bytes = Enumerable.Range(0, count).SelectMany(i => images.Image(i).ToArray()).ToArray();
        using var scope = NewDisposeScope();
        var x = tensor(bytes, new long[] { count, 3, Size, Size }).to(ScalarType.Float32).div_(255f);
        return ((x - tensor(mean).view(1, 3, 1, 1)) / tensor(std).view(1, 3, 1, 1)).MoveToOuterDisposeScope();
    }

    private static float[] Features(ResNetEncoder encoder, Tensor x)
    {
        encoder.eval();
        using var _ = no_grad();
        using var f = encoder.forward(x);
        return f.data<float>().ToArray();
    }

    private static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b).Max(t => Math.Abs(t.First - t.Second));
}
