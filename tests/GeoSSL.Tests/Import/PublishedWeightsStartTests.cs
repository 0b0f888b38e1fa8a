using GeoSSL.Core.Engine;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.MLNet.Classification;
using GeoSSL.Tests.Classification;
using GeoSSL.Tests.Core;
using GeoSSL.Tests.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Import;

/// <summary>Pretraining and fine-tuning that start from a PyTorch state dict, with frozen leading stages and a featurization size.</summary>
[TestClass]
public sealed class PublishedWeightsStartTests
{
    private static string StateDict => TorchStateDictImporterTests.PlainStateDict;

    private static Dictionary<string, float[]> FileWeights()
    {
        using var scope = NewDisposeScope();
        return TorchStateDictImporter.Read(StateDict).ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32).data<float>().ToArray());
    }

    [TestMethod]
    public void FrozenStages_KeepStemAndLayer1AsLoaded_WhileLaterStagesLearn()
    {
        var config = new PretrainConfig
        {
            Variant = PretrainVariant.MoCoV2Geo,
            Model = new MocoOptions { Encoder = InitialWeights.ReadLayout(StateDict), QueueSize = 64, Momentum = 0.99, GeoClasses = 8 },
            Augmentation = new AugmentationOptions { OutputSize = 32 },
            Epochs = 1, BatchSize = 32, LearningRate = 0.05, BatchNormGroups = 2, Seed = 5, FrozenStages = 2,
        };
        using var trainer = new Pretrainer(config, "cpu");
        trainer.InitializeEncoder(e => InitialWeights.LoadInto(e, StateDict));
        trainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions());
        var file = FileWeights();
        var trained = trainer.Model.state_dict();
        float[] Get(string name) => trained[name].data<float>().ToArray();
        foreach (var name in new[] { "conv1.weight", "bn1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer1.0.bn2.running_var" })
        {
            CollectionAssert.AreEqual(file[name], Get("encoder_q." + name), $"frozen '{name}' stays as loaded");
            CollectionAssert.AreEqual(file[name], Get("encoder_k." + name), $"and so does the key encoder's '{name}'");
        }
        foreach (var name in new[] { "layer2.0.conv1.weight", "layer4.0.conv2.weight", "layer3.0.bn1.running_mean" })
            Assert.IsFalse(file[name].SequenceEqual(Get("encoder_q." + name)), $"'{name}' adapts (weights learn, statistics follow the new imagery)");
        Assert.IsFalse(trainer.Model.TrainableParameters().Any(p => ReferenceEquals(p, trainer.Encoder.get_parameter("conv1.weight"))),
            "the optimiser does not hold frozen parameters");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Pretrainer(config with { FrozenStages = 5 }, "cpu"));
    }

    [TestMethod]
    public void GeoContrastivePretrain_FromAGeoSslCheckpoint_StartsFromItsQueryEncoder()
    {
        // Adapting an earlier GeoSSL run to new data: its checkpoint is the InitialWeightsPath of a new run.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TileRows.Load(64));
        var first = TileRows.TinyOptions(TestData.TempFolder("ckpt-start-first"), epochs: 1);
        first.MonitorEveryNEpochs = 0;
        using (ml.Transforms.GeoContrastivePretrain(first).Fit(data)) { }

        using var earlier = Pretrainer.FromCheckpoint(first.CheckpointPath!, "cpu");
        earlier.LoadWeights(first.CheckpointPath!);
        Assert.AreEqual(earlier.Config.Model.Encoder, InitialWeights.ReadLayout(first.CheckpointPath!));
        using (var loaded = new ResNetEncoder(InitialWeights.ReadLayout(first.CheckpointPath!)))
        {
            var names = InitialWeights.LoadInto(loaded, first.CheckpointPath!);
            Assert.IsTrue(names.Contains("layer4.1.bn2.running_var"), "BatchNorm statistics are copied too");
            var expected = earlier.Encoder.state_dict();
            foreach (var (name, tensor) in loaded.state_dict())
                CollectionAssert.AreEqual(expected[name].to(ScalarType.Float32).data<float>().ToArray(), tensor.to(ScalarType.Float32).data<float>().ToArray(), name);
        }

        var second = TileRows.TinyOptions(TestData.TempFolder("ckpt-start-second"), epochs: 1);
        second.MonitorEveryNEpochs = 0;
        second.InitialWeightsPath = first.CheckpointPath;
        second.FrozenStages = 3; // stem, layer1 and layer2 stay the first run's
        using (ml.Transforms.GeoContrastivePretrain(second).Fit(data)) { }
        using var later = Pretrainer.FromCheckpoint(second.CheckpointPath!, "cpu");
        later.LoadWeights(second.CheckpointPath!);
        float[] Weights(Pretrainer p, string name) => p.Encoder.state_dict()[name].data<float>().ToArray();
        CollectionAssert.AreEqual(Weights(earlier, "layer2.1.conv2.weight"), Weights(later, "layer2.1.conv2.weight"));
        Assert.IsFalse(Weights(earlier, "layer3.0.conv1.weight").SequenceEqual(Weights(later, "layer3.0.conv1.weight")), "layer3 adapts");

        // Multi-stage features from the same checkpoint: layer3 (64) + layer4 (128) pools at width 16; the layer4 half is the usual output.
        using var usual = ml.Transforms.GeoFeaturizeImage(second.CheckpointPath!).Fit(data);
        using var both = ml.Transforms.GeoFeaturizeImage(second.CheckpointPath!, pooledLayers: [3, 4]).Fit(data);
        var usualFeatures = TileRows.Features(ml, usual, data);
        var bothFeatures = TileRows.Features(ml, both, data);
        Assert.AreEqual(192, bothFeatures[0].Length);
        Assert.IsTrue(TileRows.MaxAbsDiff(usualFeatures, bothFeatures.Select(f => f[64..]).ToArray()) <= 1e-5);
        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GeoFeaturizeImage(second.OnnxExportPath!, pooledLayers: [3, 4]));
    }

    [TestMethod]
    public void GeoContrastivePretrain_FromAStateDict_FeaturizesAtItsOwnSize()
    {
        string folder = TestData.TempFolder("pth-start");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TileRows.Load(64));
        var options = TileRows.TinyOptions(folder, epochs: 1);
        options.Architecture = GeoSSL.MLNet.ResNetDepth.ResNet50; // ignored: the file decides the layout
        options.InitialWeightsPath = StateDict;
        options.FrozenStages = 4;
        options.FeaturizationImageSize = 48;
        options.MonitorEveryNEpochs = 0;
        var estimator = ml.Transforms.GeoContrastivePretrain(options);
        var schema = estimator.GetOutputSchema(GeoImageClassifierTests.Shape(data.Schema)); // reads the layout from the file
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, schema.First(c => c.Name == "Features").Kind);
        using var featurizer = estimator.Fit(data);
        var at48 = TileRows.Features(ml, featurizer, data);
        Assert.AreEqual(16, at48[0].Length, "width-2 ResNet-18 from the file: 16 pooled channels");

        // Everything up to layer3 is the file's; only layer4 adapted.
        var file = FileWeights();
        using var trainer = Pretrainer.FromCheckpoint(options.CheckpointPath!, "cpu");
        trainer.LoadWeights(options.CheckpointPath!);
        var encoder = trainer.Encoder.state_dict();
        CollectionAssert.AreEqual(file["layer3.0.conv2.weight"], encoder["layer3.0.conv2.weight"].data<float>().ToArray());
        Assert.IsFalse(file["layer4.0.conv2.weight"].SequenceEqual(encoder["layer4.0.conv2.weight"].data<float>().ToArray()));

        // The exported ONNX takes 48 px; re-declared for 48 it gives the same features, for 64 other ones of the same width.
        using var same = ml.Transforms.GeoFeaturizeImage(options.OnnxExportPath!, imageSize: 48).Fit(data);
        Assert.IsTrue(TileRows.MaxAbsDiff(at48, TileRows.Features(ml, same, data)) <= 1e-6);
        using var larger = ml.Transforms.GeoFeaturizeImage(options.OnnxExportPath!, imageSize: 64).Fit(data);
        var at64 = TileRows.Features(ml, larger, data);
        Assert.AreEqual(16, at64[0].Length);
        Assert.IsTrue(TileRows.MaxAbsDiff(at48, at64) > 1e-3, "a different input size sees the tiles differently");
        // An ONNX encoder with a per-pixel mean image is tied to its size; the error says what to do instead.
        string meanImageOnnx = Path.Combine(folder, "mean-image.onnx");
        using (var net = new ResNetEncoder(InitialWeights.ReadLayout(StateDict)))
            File.WriteAllBytes(meanImageOnnx, GeoSSL.Core.Export.OnnxEncoderExporter.Export(net, new GeoSSL.Core.Export.OnnxExportOptions
            {
                InputHeight = 48, InputWidth = 48, InputScale = 1f / 255f, Std = [0.25f], MeanImage = new MeanImage(3, 2, 2, new float[12]),
            }));
        var tied = Assert.ThrowsExactly<InvalidDataException>(() => ml.Transforms.GeoFeaturizeImage(meanImageOnnx, imageSize: 64));
        StringAssert.Contains(tied.Message, "mean-image.onnx");
        StringAssert.Contains(tied.Message, "only works at 48x48");
        using var atOwnSize = ml.Transforms.GeoFeaturizeImage(meanImageOnnx, imageSize: 48).Fit(data);
        // From the checkpoint, the size defaults to the pretraining crops and can be chosen too.
        using var fromCheckpoint = ml.Transforms.GeoFeaturizeImage(options.CheckpointPath!, imageSize: 48).Fit(data);
        Assert.IsTrue(TileRows.MaxAbsDiff(at48, TileRows.Features(ml, fromCheckpoint, data)) <= 1e-4);
    }

    [TestMethod]
    public void GeoImageClassifier_StartsFromAStateDict()
    {
        var ml = new MLContext(seed: 1);
        var (trainRows, _) = GeoImageClassifierTests.Rows();
        var train = ml.Data.LoadFromEnumerable(trainRows.Take(60));
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        string folder = TestData.TempFolder("pth-classifier");
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(new GeoImageClassifierTrainer.Options
        {
            ImageFolder = TestData.EuroSatFolder, InitialEncoderPath = StateDict, FreezeBackbone = true, Epochs = 1, BatchSize = 16,
            ImageSize = 32, Device = "cpu", CheckpointPath = Path.Combine(folder, "classifier.ckpt"),
        });
        using var model = estimator.Fit(keys.Transform(train));
        Assert.AreEqual(2, estimator.LastReport!.Encoder.BaseWidth, "the file's layout");
        var (classifier, info) = GeoSSL.Core.Classification.ClassifierCheckpoint.Load(Path.Combine(folder, "classifier.ckpt"));
        using (classifier)
        {
            CollectionAssert.AreEqual(GeoSSL.Core.Export.OnnxExportOptions.ImageNetMean, info.Input.Mean, "published weights default to ImageNet normalisation");
            var file = FileWeights();
            foreach (var name in new[] { "conv1.weight", "layer4.0.bn2.running_mean" })
                CollectionAssert.AreEqual(file[name], classifier.state_dict()[name].data<float>().ToArray(), $"backbone '{name}' is the file's (frozen)");
        }

        var bad = ml.MulticlassClassification.Trainers.GeoImageClassifier(new GeoImageClassifierTrainer.Options
        {
            ImageFolder = TestData.EuroSatFolder, InitialEncoderPath = TorchStateDictImporterTests.Fixture("make_fixtures.py"), Device = "cpu",
        });
        var e = Assert.ThrowsExactly<ArgumentException>(() => bad.Fit(keys.Transform(train)));
        StringAssert.Contains(e.Message, "make_fixtures.py");
    }
}
