using System.Runtime.InteropServices;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Records;
using GeoSSL.Data.Scenes;
using GeoSSL.MLNet.Classification;
using GeoSSL.Tests.Import;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Tests.Multispectral;

/// <summary>
/// Issue 16 item 4 for the classifier: a multispectral classifier trained through
/// <c>mlContext.MulticlassClassification.Trainers.GeoImageClassifier</c> on a tensor column of real 13-band Sentinel-2 windows
/// (bercy and paris, both dates), labelled by the OSCD change masks. It predicts, agrees with TorchSharp, survives
/// Model.Save/Load, carries its input contract, starts from a 13-band pretraining checkpoint or from adapted RGB weights,
/// and refuses bad input with named errors.
/// </summary>
[TestClass]
public sealed class MultispectralClassifierTests
{
    private const int Size = 32;
    private const int Epochs = 3;
    private static string SharedData => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data"));
    private static string Msi(string city) => Path.Combine(SharedData, "oscd-s2-msi", city);

    private static MLContext ml = null!;
    private static SceneWindowSampler windows = null!;
    private static List<WindowRow> rows = null!;
    private static SchemaDefinition schema = null!;
    private static ITransformer labelKeys = null!;
    private static IDataView keyed = null!;
    private static GeoImageClassificationTransformer classifier = null!;
    private static GeoImageClassifierReport report = null!;
    private static string folder = null!;
    private static string labelRule = "";
    private static readonly object pretrainLock = new();
    private static string? pretrainedCheckpoint;

    public TestContext TestContext { get; set; } = null!;

    /// <summary>A labelled window: planar raw samples [C, H, W] (reflectance x 10000) and its class.</summary>
    public sealed class WindowRow
    {
        public float[] Image { get; set; } = [];
        public string Label { get; set; } = "";
    }

    private sealed class WindowPrediction
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = [];
    }

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = TestData.TempFolder("multispectral-classifier");
        ml = new MLContext(seed: 1);
        var scenes = new[] { GeoScene.FromSentinel2(Msi("bercy"), "all"), GeoScene.FromSentinel2(Msi("paris"), "all") };
        windows = SceneWindowSampler.Grid(scenes, Size, stride: 48);
        (rows, labelRule) = LabelledRows(windows);
        schema = Schema(windows.Channels);
        var raw = ml.Data.LoadFromEnumerable(rows, schema);
        labelKeys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw);
        keyed = labelKeys.Transform(raw);
        var options = Options(windows.Bands, Epochs);
        options.CheckpointPath = Path.Combine(folder, "classifier.ckpt");
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(options);
        classifier = estimator.Fit(keyed);
        report = estimator.LastReport!;
    }

    [ClassCleanup]
    public static void Cleanup() => classifier?.Dispose();

    private static GeoImageClassifierTrainer.Options Options(IReadOnlyList<string> bands, int epochs) => new()
    {
        ImageColumnName = "Image", Bands = bands.ToArray(), SampleDivisor = 10000f, Architecture = GeoSSL.MLNet.ResNetDepth.ResNet18, BaseWidth = 16,
        ImageSize = Size, BatchSize = 32, Epochs = epochs, LearningRate = 0.02, Device = "cpu", Seed = 3,
    };

    /// <summary>The vector column's dimensions [C, H, W], as LoadSceneWindows declares them.</summary>
    private static SchemaDefinition Schema(int channels)
    {
        var definition = SchemaDefinition.Create(typeof(WindowRow));
        definition[nameof(WindowRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, channels, Size, Size);
        return definition;
    }

    /// <summary>
    /// One row per window and date. A window is "change" when at least 2% of its pixels changed between the dates in the OSCD
    /// mask (2 = change), else "no change"; both dates of a window get its label. Urban change covers 0.3-3.8% of a city, so
    /// should that give fewer than 8 changed windows the rows are labelled by city instead (still a real, learnable label).
    /// </summary>
    private static (List<WindowRow> Rows, string Rule) LabelledRows(SceneWindowSampler sampler)
    {
        var masks = sampler.Scenes.Select(scene =>
        {
            using var reader = GeoTiffReader.Open(Path.Combine(scene.Source, $"{scene.Name}-cm.tif"));
            Assert.AreEqual((scene.Width, scene.Height), (reader.Info.Width, reader.Info.Height), $"{scene.Name}: the change mask is on the scene's 10 m grid");
            return reader.ReadBand(0);
        }).ToArray();
        string ChangeLabel(SceneWindow w)
        {
            var mask = masks[w.SceneIndex];
            int width = sampler.Scenes[w.SceneIndex].Width, changed = 0;
            for (int y = w.Y; y < w.Y + Size; y++)
                for (int x = w.X; x < w.X + Size; x++)
                    if (mask[y * width + x] == 2) changed++;
            return changed >= 0.02 * Size * Size ? "change" : "no change";
        }
        var byWindow = sampler.Windows.Select(ChangeLabel).ToArray();
        bool enough = byWindow.Count(l => l == "change") >= 8 && byWindow.Count(l => l == "no change") >= 8;
        var result = new List<WindowRow>();
        for (int i = 0; i < sampler.Records.Count; i++)
        {
            var (window, _) = sampler.RecordSource(i);
            var row = new WindowRow { Image = new float[sampler.SamplesPerWindow], Label = enough ? byWindow[sampler.Windows.ToList().IndexOf(window)] : sampler.Scenes[window.SceneIndex].Name };
            sampler.FillRecord(i, row.Image);
            result.Add(row);
        }
        return (result, enough ? $"OSCD change mask ({byWindow.Count(l => l == "change")} of {byWindow.Length} windows changed)" : "city");
    }

    private static float[][] Scores(IDataView output) =>
        output.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();

    private static byte[] AllSamples(IReadOnlyList<WindowRow> data)
    {
        var samples = data.SelectMany(r => r.Image).ToArray();
        return MemoryMarshal.AsBytes(samples.AsSpan()).ToArray();
    }

    private static double MaxAbsDiff(float[][] a, float[][] b) => a.Zip(b).Max(t => t.First.Zip(t.Second).Max(p => Math.Abs(p.First - p.Second)));

    /// <summary>A 13-band GeoSSL pretraining checkpoint made by the pretraining estimator on scene windows (one epoch), once.</summary>
    private static string PretrainedCheckpoint()
    {
        lock (pretrainLock)
        {
            if (pretrainedCheckpoint is not null) return pretrainedCheckpoint;
            var scenes = windows.Scenes;
            var sample = SceneWindowSampler.Random(scenes, Size, count: 16, seed: 5);
            string dir = TestData.TempFolder("multispectral-classifier-pretrain");
            var options = ScenePretrainTests.Options(dir, sample.Bands, 10000f);
            options.BatchSize = 16;
            options.QueueSize = 64;
            options.GeoClusters = 2;
            options.MonitorEveryNEpochs = 0;
            using var featurizer = ml.Transforms.GeoContrastivePretrain(options).Fit(ml.Data.LoadSceneWindows(sample));
            return pretrainedCheckpoint = options.CheckpointPath!;
        }
    }

    [TestMethod]
    public void Fit_TrainsOnThirteenBandWindows_WithFiniteLosses()
    {
        TestContext.WriteLine($"Labels by {labelRule}; {rows.Count} rows.");
        foreach (var e in report.Epochs) TestContext.WriteLine(e.ToString());
        Assert.AreEqual(windows.Records.Count, report.TrainingImages);
        Assert.AreEqual(Epochs, report.Epochs.Count);
        Assert.IsTrue(report.Epochs.All(e => double.IsFinite(e.Metrics["loss"]) && e.Metrics["loss"] > 0), "finite losses");
        Assert.AreEqual(13, report.Encoder.InputChannels, "the encoder follows the bands");
        Assert.AreEqual(2, report.ClassNames.Count);
    }

    [TestMethod]
    public void Transform_PredictsEveryRow_WithProbabilitiesSummingToOne()
    {
        var output = classifier.Transform(keyed);
        var scores = Scores(output);
        var predicted = output.GetColumn<uint>("PredictedLabel").ToArray();
        Assert.AreEqual(rows.Count, scores.Length);
        Assert.AreEqual(rows.Count, predicted.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.AreEqual(2, scores[i].Length);
            Assert.AreEqual(1.0, scores[i].Sum(), 1e-4, $"row {i}: probabilities sum to 1");
            Assert.AreEqual((uint)(scores[i][1] > scores[i][0] ? 2 : 1), predicted[i], $"row {i}: PredictedLabel is the arg max");
        }
        Assert.IsTrue(MaxAbsDiff(scores.Take(1).ToArray(), scores.Skip(7).Take(1).ToArray()) > 1e-5, "different windows, different scores");
    }

    [TestMethod]
    public void Checkpoint_CarriesTheInputContract_AndTorchSharpMatchesTheOnnxChain()
    {
        var (model, info) = ClassifierCheckpoint.Load(Path.Combine(folder, "classifier.ckpt"));
        using (model)
        {
            CollectionAssert.AreEqual(windows.Bands.ToArray(), info.Input.Bands);
            Assert.AreEqual(10000f, info.Input.SampleDivisor);
            Assert.AreEqual((Size, Size), (info.Input.Height, info.Input.Width));
            Assert.AreEqual(13, model.EncoderOptions.InputChannels);
            // No Mean/Std and no checkpoint: per-band statistics of the training rows, in reflectance.
            Assert.IsTrue(info.Input.Mean.All(m => m is > 0.001f and < 0.5f) && info.Input.Std.All(s => s is > 1e-4f and < 0.3f),
                $"{string.Join(",", info.Input.Mean)} / {string.Join(",", info.Input.Std)}");
            CollectionAssert.AreEqual(info.Input.Mean, report.Input.Mean, "the report carries the same contract");

            var torch = ClassifierInference.PredictProbabilities(model, AllSamples(rows), rows.Count, info.Input);
            var onnx = Scores(classifier.Transform(keyed));
            double diff = MaxAbsDiff(torch, onnx);
            TestContext.WriteLine($"ONNX (ML.NET chain) vs TorchSharp on {rows.Count} windows: max |diff| = {diff:E2}");
            Assert.IsTrue(diff <= 1e-4, $"max abs diff {diff}");
        }
    }

    [TestMethod]
    public void SavedModel_LoadsInANewContext_WithTheSameScores_AndPredictionEngine()
    {
        string zip = Path.Combine(folder, "classifier.zip");
        ml.Model.Save(classifier, keyed.Schema, zip);
        var fresh = new MLContext(seed: 9);
        var loaded = fresh.Model.Load(zip, out _);
        var expected = Scores(classifier.Transform(keyed));
        var reloadedInput = labelKeys.Transform(fresh.Data.LoadFromEnumerable(rows, Schema(windows.Channels)));
        var actual = Scores(loaded.Transform(reloadedInput));
        Assert.IsTrue(MaxAbsDiff(expected, actual) <= 1e-6, "the saved stock chain gives the same scores");

        using var engine = fresh.Model.CreatePredictionEngine<WindowRow, WindowPrediction>(loaded, inputSchemaDefinition: Schema(windows.Channels));
        for (int i = 0; i < rows.Count; i += 11)
        {
            var p = engine.Predict(rows[i]);
            Assert.AreEqual(2, p.Score.Length);
            Assert.AreEqual(expected[i][0], p.Score[0], 1e-6, $"row {i}");
        }
    }

    [TestMethod]
    public void GetOutputSchema_OnATensorColumn_AddsScoreAndKeyPredictedLabel()
    {
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(Options(windows.Bands, 1));
        var shape = estimator.GetOutputSchema(GeoSSL.Tests.Classification.GeoImageClassifierTests.Shape(keyed.Schema));
        Assert.IsTrue(shape.Any(c => c.Name == "Score" && c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType == NumberDataViewType.Single));
        Assert.IsTrue(shape.Any(c => c.Name == "PredictedLabel" && c.IsKey && c.Kind == SchemaShape.Column.VectorKind.Scalar));
        Assert.IsFalse(shape.Any(c => c.Name.StartsWith("GeoImageClassifier.")), "temporary columns are dropped");
    }

    [TestMethod]
    public void StartsFromAThirteenBandPretrainingCheckpoint_WithItsEncoderAndStatistics()
    {
        string checkpoint = PretrainedCheckpoint();
        var pretrained = Checkpoint.ReadConfig(checkpoint);
        var options = Options(windows.Bands, epochs: 1);
        options.InitialEncoderPath = checkpoint;
        options.SampleDivisor = null; // the checkpoint's (10000), as it saw the same bands
        options.FreezeBackbone = true;
        options.CheckpointPath = Path.Combine(TestData.TempFolder("multispectral-classifier-from-ckpt"), "classifier.ckpt");
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(options);
        using var model = estimator.Fit(keyed);
        var started = estimator.LastReport!;
        Assert.IsTrue(started.Epochs.All(e => double.IsFinite(e.Metrics["loss"])));
        Assert.AreEqual(10000f, started.Input.SampleDivisor);
        CollectionAssert.AreEqual(pretrained.Input.Mean, started.Input.Mean, "the checkpoint's per-band statistics are used");
        CollectionAssert.AreEqual(pretrained.Input.Std, started.Input.Std);

        // Frozen backbone: the classifier's encoder is the checkpoint's query encoder, loaded directly (13 channels both).
        using var expected = InitialWeights.Load(checkpoint);
        var (trained, _) = ClassifierCheckpoint.Load(options.CheckpointPath);
        using (trained)
        {
            var actual = trained.Encoder.state_dict();
            foreach (var (name, tensor) in expected.state_dict())
                Assert.IsTrue(tensor.eq(actual[name]).all().item<bool>(), $"backbone '{name}' is the pretrained query encoder's");
        }
    }

    [TestMethod]
    public void RgbStartingWeights_AreAdaptedToThirteenBands()
    {
        var options = Options(windows.Bands, epochs: 1);
        options.InitialEncoderPath = TorchStateDictImporterTests.PlainStateDict; // a torchvision-layout RGB ResNet-18 state dict
        options.FreezeBackbone = true;
        options.CheckpointPath = Path.Combine(TestData.TempFolder("multispectral-classifier-rgb"), "classifier.ckpt");
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(options);
        using var model = estimator.Fit(keyed);
        Assert.AreEqual(13, estimator.LastReport!.Encoder.InputChannels);
        Assert.IsTrue(estimator.LastReport.Epochs.All(e => double.IsFinite(e.Metrics["loss"])));
        // conv1 is the RGB filters adapted by band name (B04/B03/B02 keep theirs), not a random initialisation.
        using var adapted = InitialWeights.Load(TorchStateDictImporterTests.PlainStateDict, false, windows.Bands);
        var (trained, _) = ClassifierCheckpoint.Load(options.CheckpointPath);
        using (trained)
        {
            var conv1 = trained.Encoder.state_dict()["conv1.weight"];
            CollectionAssert.AreEqual(new long[] { conv1.shape[0], 13, conv1.shape[2], conv1.shape[3] }, conv1.shape);
            Assert.IsTrue(conv1.allclose(adapted.state_dict()["conv1.weight"]), "conv1 holds the adapted RGB weights");
        }
    }

    [TestMethod]
    public void BandsThatDoNotMatchTheColumn_AreANamedError()
    {
        var options = Options(["B02", "B03", "B04", "B08"], epochs: 1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(options).Fit(keyed));
        Assert.AreEqual("Bands", e.ParamName);
        StringAssert.Contains(e.Message, "13 channels");
    }

    [TestMethod]
    public void NaNSample_IsAGeoDataException_NamingRowColumnAndBand()
    {
        var bad = rows.Take(40).Select(r => new WindowRow { Image = (float[])r.Image.Clone(), Label = r.Label }).ToList();
        int b04 = windows.Bands.ToList().IndexOf("B04");
        bad[5].Image[b04 * Size * Size + 3 * Size + 7] = float.NaN;
        var data = labelKeys.Transform(ml.Data.LoadFromEnumerable(bad, schema));
        var e = Assert.ThrowsExactly<GeoDataException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(Options(windows.Bands, 1)).Fit(data));
        StringAssert.Contains(e.Message, "Row 5");
        StringAssert.Contains(e.Message, "'Image'");
        StringAssert.Contains(e.Message, "band B04");
        StringAssert.Contains(e.Message, "pixel (7, 3)");
    }

    [TestMethod]
    public void ThirteenBandCheckpointOnFourBands_IsANamedError()
    {
        string checkpoint = PretrainedCheckpoint();
        var four = SceneWindowSampler.Random([GeoScene.FromSentinel2(Msi("bercy"), "B02,B03,B04,B08")], Size, count: 4, seed: 1);
        var data = ml.Data.LoadSceneWindows(four);
        var withLabel = ml.Transforms.Conversion.MapValueToKey("Label", "LocationId").Fit(data).Transform(data);
        var options = Options(four.Bands, epochs: 1);
        options.InitialEncoderPath = checkpoint;
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.GeoImageClassifier(options).Fit(withLabel));
        Assert.AreEqual("InitialEncoderPath", e.ParamName);
        StringAssert.Contains(e.Message, "13 channels");
        StringAssert.Contains(e.Message, "holds 4");
    }
}
