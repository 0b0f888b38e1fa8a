using GeoSSL.Core.Engine;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.MLNet;
using GeoSSL.Tests.Core;
using Microsoft.ML;
using PretrainVariant = GeoSSL.Core.Training.PretrainVariant;
using ResNetDepth = GeoSSL.Core.Networks.ResNetDepth;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Reliability;

/// <summary>Corrupt, truncated, foreign and mismatched checkpoints stop with the file's name, before any training.</summary>
[TestClass]
public sealed class CheckpointIntegrityTests
{
    private static PretrainConfig Config(int batch = 32, int queue = 100) => new()
    {
        Variant = PretrainVariant.MoCoV2GeoTemporalPositives,
        Model = new MocoOptions
        {
            Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16, SmallInputStem = false },
            QueueSize = queue, Momentum = 0.99, GeoClasses = 8,
        },
        Augmentation = new GeoSSL.Core.Augmentation.AugmentationOptions { OutputSize = 32 },
        Epochs = 1, BatchSize = batch, LearningRate = 0.05, Seed = 3,
    };

    /// <summary>One good checkpoint of a 1-epoch run, shared (read-only) by the tests.</summary>
    private static readonly Lazy<string> Good = new(() =>
    {
        var path = Path.Combine(TestData.TempFolder("ckpt-good"), "good.ckpt");
        using var trainer = new Pretrainer(Config(), "cpu");
        trainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions { CheckpointPath = path });
        return path;
    });

    private static string CopyWith(string name, Func<byte[], byte[]> change)
    {
        var path = Path.Combine(TestData.TempFolder("ckpt-bad"), name);
        File.WriteAllBytes(path, change(File.ReadAllBytes(Good.Value)));
        return path;
    }

    private static void LoadWeights(string path)
    {
        using var trainer = Pretrainer.FromCheckpoint(path, "cpu");
        trainer.LoadWeights(path);
    }

    [TestMethod]
    public void GoodCheckpoint_VerifiesAndLoads()
    {
        Assert.AreEqual(ConfigJson.Serialize(Config()), ConfigJson.Serialize(Checkpoint.Verify(Good.Value)));
        LoadWeights(Good.Value);
    }

    [TestMethod]
    public void TruncatedCheckpoint_NamesTheFile_ForVerifyLoadFeaturizeAndImport()
    {
        var path = CopyWith("truncated.ckpt", b => b[..(b.Length / 2)]);
        foreach (var (what, act) in new (string, Action)[]
        {
            ("verify", () => Checkpoint.Verify(path)),
            ("load", () => LoadWeights(path)),
            ("featurize", () => new MLContext().Transforms.GeoFeaturizeImage(path)),
            ("import", () => { using var e = InitialWeights.Load(path); }),
        })
        {
            var e = Assert.Throws<InvalidDataException>(act, what);
            StringAssert.Contains(e.Message, path, what);
            StringAssert.Contains(e.Message, "truncated", what);
        }
    }

    [TestMethod]
    public void OverwrittenWeights_AreFoundByTheChecksum()
    {
        // 4 KB of 0xFF in the middle of the weights: NaN floats that would otherwise featurize every image to NaN.
        var path = CopyWith("garbage.ckpt", b => { var c = (byte[])b.Clone(); Array.Fill(c, (byte)0xFF, c.Length / 2, 4096); return c; });
        var e = Assert.Throws<InvalidDataException>(() => LoadWeights(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "checksum");
        Assert.Throws<InvalidDataException>(() => new MLContext().Transforms.GeoFeaturizeImage(path));
    }

    [TestMethod]
    public void NonFiniteWeights_AreRefusedOnLoad_NamingTheWeight()
    {
        // A checkpoint written intact from a model that already holds NaN (a diverged run): the checksum is right, the weights are not.
        var path = Path.Combine(TestData.TempFolder("ckpt-nan"), "nan.ckpt");
        using (var trainer = new Pretrainer(Config(), "cpu"))
        {
            using (no_grad()) trainer.Encoder.named_parameters().First(p => p.name == "layer2.0.conv1.weight").parameter[0, 0, 0, 0] = float.NaN;
            Checkpoint.SaveWeights(path, Config(), trainer.Model);
        }
        var e = Assert.Throws<InvalidDataException>(() => LoadWeights(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "encoder_q.layer2.0.conv1.weight");
        StringAssert.Contains(e.Message, "non-finite");
    }

    [TestMethod]
    public void ForeignFile_IsNotACheckpoint()
    {
        var png = TestData.OscdRecords()[0].ImagePath;
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Verify(png));
        StringAssert.Contains(e.Message, png);
        StringAssert.Contains(e.Message, "not a GeoSSL checkpoint");
        var empty = Path.Combine(TestData.TempFolder("ckpt-empty"), "empty.ckpt");
        File.WriteAllBytes(empty, []);
        StringAssert.Contains(Assert.Throws<InvalidDataException>(() => Checkpoint.Verify(empty)).Message, empty);
    }

    [TestMethod]
    public void ResumeWithOtherSettings_NamesEachDifferingSetting()
    {
        using var trainer = new Pretrainer(Config(batch: 16, queue: 64), "cpu");
        var e = Assert.Throws<ArgumentException>(() => trainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions { ResumeFrom = Good.Value }));
        StringAssert.Contains(e.Message, Good.Value);
        StringAssert.Contains(e.Message, "2 setting(s) differ");
        StringAssert.Contains(e.Message, "BatchSize: 32 in the checkpoint, 16 in this run");
        StringAssert.Contains(e.Message, "Model.QueueSize: 100 in the checkpoint, 64 in this run");
    }
}
