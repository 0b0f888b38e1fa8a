using GeoSSL.Core.Engine;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Import;
using GeoSSL.Core.Training;
using GeoSSL.Tests.Core;

namespace GeoSSL.Tests.Import;

/// <summary>Pretraining that starts from ML.NET's ImageNet ResNet-18 weights.</summary>
[TestClass]
public sealed class ImageNetStartTests
{
    private static string ResNet18Onnx => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    private static (float[] Before, float[] After, float[] KeyStart, float[] ConvBefore, float[] ConvAfter) Run(bool freezeBatchNorm)
    {
        var config = new PretrainConfig
        {
            Variant = PretrainVariant.MoCoV2Geo,
            Model = new MocoOptions { Encoder = OnnxResNetImporter.ReadLayout(ResNet18Onnx), QueueSize = 64, Momentum = 0.99, GeoClasses = 8 },
            Augmentation = new AugmentationOptions { OutputSize = 32 },
            Epochs = 1, BatchSize = 32, LearningRate = 0.001, BatchNormGroups = 2, Seed = 5, FreezeBatchNormStatistics = freezeBatchNorm,
        };
        using var trainer = new Pretrainer(config, "cpu");
        trainer.InitializeEncoder(e => OnnxResNetImporter.LoadInto(e, ResNet18Onnx, reverseInputChannels: true));
        float[] Get(string name) => trainer.Model.state_dict()[name].data<float>().ToArray();
        var before = Get("encoder_q.layer4.2.bn2.running_var");
        var keyStart = Get("encoder_k.layer4.2.bn2.running_var");
        var convBefore = Get("encoder_q.layer1.0.conv1.weight");
        trainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions());
        return (before, Get("encoder_q.layer4.2.bn2.running_var"), keyStart, convBefore, Get("encoder_q.layer1.0.conv1.weight"));
    }

    [TestMethod]
    public void FrozenBatchNorm_KeepsImportedStatistics_WhileWeightsLearn()
    {
        var frozen = Run(freezeBatchNorm: true);
        CollectionAssert.AreEqual(frozen.Before, frozen.KeyStart, "the key encoder starts from the same imported weights");
        CollectionAssert.AreEqual(frozen.Before, frozen.After, "running statistics stay as imported");
        Assert.IsFalse(frozen.ConvBefore.SequenceEqual(frozen.ConvAfter), "the convolutions still learn");

        var updating = Run(freezeBatchNorm: false);
        CollectionAssert.AreEqual(frozen.Before, updating.Before);
        Assert.IsFalse(updating.Before.SequenceEqual(updating.After), "without the option the statistics move to the new imagery");
    }
}
