using System.Text;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Data.Files;
using GeoSSL.Tests.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Reliability;

/// <summary>
/// Pretraining checkpoints written before the one training engine (magic GEOSSLCK, format 3) still give their configuration
/// and weights to every reader, and are refused as resume points with a message saying what they can still do.
/// </summary>
[TestClass]
public sealed class LegacyCheckpointTests
{
    private static PretrainConfig Config() => new()
    {
        Variant = PretrainVariant.MoCoV2GeoTemporalPositives,
        Model = new MocoOptions
        {
            Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 },
            QueueSize = 100, Momentum = 0.99, GeoClasses = 8,
        },
        Augmentation = new GeoSSL.Core.Augmentation.AugmentationOptions { OutputSize = 32 },
        Epochs = 3, BatchSize = 32, LearningRate = 0.05, Seed = 3,
    };

    /// <summary>
    /// The format-3 writer as it shipped until 2026-11-29 (Checkpoint.Save): configuration, data fingerprint, loop state with the
    /// queue pointer beside the state dict (which had no "queue_ptr" buffer then), the module, an optimiser flag, a SHA-256 trailer.
    /// </summary>
    private static void WriteFormat3(string path, PretrainConfig config, GeoMoco model, long queuePointer)
    {
        var skip = new List<string> { "queue_ptr" };
        AtomicFile.Write(path, stream =>
        {
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                w.Write("GEOSSLCK");
                w.Write(3);
                w.Write(ConfigJson.Serialize(config));
                w.Write("64 rows, sha256 0123");
                w.Write(1); w.Write(0L); w.Write(2L); // epoch, step in epoch, global step
                w.Write(0.0); w.Write(0.0); w.Write(0.0); w.Write(0.0);
                w.Write(queuePointer);
                w.Write(1); // one epoch summary with monitor figures
                w.Write(1); for (int i = 0; i < 8; i++) w.Write(0.5);
                w.Write(2); w.Write(7.5f); w.Write(7.25f); // step losses
                var weights = model.state_dict().Where(kv => kv.Key != "queue_ptr").ToList();
                w.Write7BitEncodedInt64(weights.Count);
                foreach (var (name, t) in weights) { w.Write(name); t.Save(w); }
                w.Write(false); // no optimiser state
            }
            ChecksumTrailer.Append(stream);
        });
    }

    private static readonly Lazy<(string Path, Dictionary<string, float[]> Weights)> Legacy = new(() =>
    {
        var path = Path.Combine(TestData.TempFolder("ckpt-legacy"), "format3.ckpt");
        manual_seed(11);
        using var model = new GeoMoco(Config().Model);
        using (no_grad()) model.Enqueue(nn.functional.normalize(randn(30, 128), dim: 1)); // pointer 30: the reader must put it back
        WriteFormat3(path, Config(), model, model.QueuePointer);
        var weights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float32).data<float>().ToArray());
        return (path, weights);
    });

    [TestMethod]
    public void Format3_GivesItsConfigurationAndWeights()
    {
        var (path, expected) = Legacy.Value;
        Assert.IsTrue(Checkpoint.IsCheckpoint(path));
        Assert.IsTrue(Checkpoint.IsLegacy(path));
        Assert.AreEqual(ConfigJson.Serialize(Config()), ConfigJson.Serialize(Checkpoint.ReadConfig(path)));
        Assert.AreEqual(ConfigJson.Serialize(Config()), ConfigJson.Serialize(Checkpoint.Verify(path)));
        Assert.AreEqual("64 rows, sha256 0123", Checkpoint.ReadDataFingerprint(path));

        using var trainer = Pretrainer.FromCheckpoint(path, "cpu");
        trainer.LoadWeights(path);
        Assert.AreEqual(30L, trainer.Model.QueuePointer, "the pointer stored beside the old state dict");
        foreach (var (name, t) in trainer.Model.state_dict())
            CollectionAssert.AreEqual(expected[name], t.to_type(ScalarType.Float32).data<float>().ToArray(), name);

        using var encoder = InitialWeights.Load(path);
        var query = trainer.Model.QueryEncoder.state_dict();
        foreach (var (name, t) in encoder.state_dict())
            CollectionAssert.AreEqual(query[name].to_type(ScalarType.Float32).data<float>().ToArray(), t.to_type(ScalarType.Float32).data<float>().ToArray(), name);
    }

    [TestMethod]
    public void Format3_IsNotResumed_AndSaysWhatItCanDo()
    {
        var (path, _) = Legacy.Value;
        using var trainer = new Pretrainer(Config(), "cpu");
        var e = Assert.Throws<InvalidDataException>(() => trainer.Train(TestBatchSource.Oscd(), new TrainingRunOptions { ResumeFrom = path }));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "earlier GeoSSL version");
        StringAssert.Contains(e.Message, "InitialWeightsPath");
    }

    [TestMethod]
    public void DamagedFormat3_IsRefused_NamingTheFile()
    {
        var bytes = File.ReadAllBytes(Legacy.Value.Path);
        Array.Fill(bytes, (byte)0xFF, bytes.Length / 2, 256);
        var path = Path.Combine(TestData.TempFolder("ckpt-legacy-bad"), "damaged.ckpt");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Verify(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "checksum");
        using var moco = new GeoMoco(Config().Model);
        StringAssert.Contains(Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(path, moco)).Message, path);
    }
}
