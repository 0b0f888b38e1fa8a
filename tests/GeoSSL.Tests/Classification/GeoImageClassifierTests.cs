using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Networks;
using GeoSSL.MLNet.Classification;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;

namespace GeoSSL.Tests.Classification;

/// <summary>A labelled patch as an ML.NET user would declare it (path relative to the EuroSAT folder).</summary>
public sealed class PatchRow
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>What a PredictionEngine returns after MapKeyToValue("PredictedLabel").</summary>
public sealed class PatchPrediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}

/// <summary>
/// The trainer end to end on the 300 bundled EuroSAT patches (240 train / 60 validation, stratified): one tiny training
/// run (ResNet-18 width 16 at 32 px) shared by the tests of this class.
/// </summary>
[TestClass]
public sealed class GeoImageClassifierTests
{
    internal const int Size = 32;
    private const int Epochs = 8;
    private static string folder = "";
    private static MLContext ml = null!;
    private static IDataView trainKeyed = null!;
    private static IDataView validationKeyed = null!;
    private static IDataView validationRaw = null!;
    private static ITransformer labelKeys = null!;
    private static GeoImageClassificationTransformer classifier = null!;
    private static GeoImageClassifierReport report = null!;
    private static readonly List<string> logMessages = new();
    private static readonly List<TrainingProgress> progress = new();

    public TestContext TestContext { get; set; } = null!;

    /// <summary>The bundled patches as rows with paths relative to the EuroSAT folder; validation = every fifth row.</summary>
    internal static (List<PatchRow> Train, List<PatchRow> Validation) Rows()
    {
        var rows = TestData.EuroSatPatches().Select(p => new PatchRow { ImagePath = Path.GetRelativePath(TestData.EuroSatFolder, p.ImagePath), Label = p.Label }).ToList();
        return (rows.Where((_, i) => !EuroSat.IsValidation(i)).ToList(), rows.Where((_, i) => EuroSat.IsValidation(i)).ToList());
    }

    internal static GeoImageClassifierTrainer.Options TinyOptions(int epochs = Epochs) => new()
    {
        ImageFolder = TestData.EuroSatFolder, Architecture = GeoSSL.MLNet.ResNetDepth.ResNet18, BaseWidth = 16, ImageSize = Size,
        BatchSize = 32, Epochs = epochs, LearningRate = 0.02, Device = "cpu", ReportEveryNSteps = 3,
    };

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = TestData.TempFolder("classifier");
        ml = new MLContext(seed: 1);
        ml.Log += (_, e) => { lock (logMessages) logMessages.Add(e.Message); };
        var (train, validation) = Rows();
        var trainRaw = ml.Data.LoadFromEnumerable(train);
        validationRaw = ml.Data.LoadFromEnumerable(validation);
        labelKeys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(trainRaw);
        trainKeyed = labelKeys.Transform(trainRaw);
        validationKeyed = labelKeys.Transform(validationRaw);
        var options = TinyOptions();
        options.ValidationSet = validationKeyed;
        options.Progress = new SyncProgress<TrainingProgress>(p => progress.Add(p));
        options.OnnxExportPath = Path.Combine(folder, "classifier.onnx");
        options.CheckpointPath = Path.Combine(folder, "classifier.ckpt");
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(options);
        classifier = estimator.Fit(trainKeyed);
        report = estimator.LastReport!;
    }

    [ClassCleanup]
    public static void Cleanup() => classifier?.Dispose();

    [TestMethod]
    public void Fit_LossFallsAccuracyRises_ValidationWellAboveChance()
    {
        foreach (var e in report.Epochs) TestContext.WriteLine(e.ToString());
        Assert.AreEqual(Epochs, report.Epochs.Count);
        Assert.AreEqual(240, report.TrainingImages);
        Assert.AreEqual(60, report.ValidationImages);
        var first = report.Epochs[0];
        var last = report.Epochs[^1];
        Assert.IsTrue(last.Metrics["loss"] < first.Metrics["loss"] - 0.2, $"training loss {first.Metrics["loss"]:F3} -> {last.Metrics["loss"]:F3}");
        Assert.IsTrue(last.Metrics["accuracy"] > first.Metrics["accuracy"] + 0.1, $"training accuracy {first.Metrics["accuracy"]:P1} -> {last.Metrics["accuracy"]:P1}");
        Assert.IsTrue(report.Epochs.Max(e => e.Validation!["accuracy"]) >= 0.3, "best validation accuracy, chance is 10%");
        Assert.IsTrue(last.Validation?["accuracy"] >= 0.25, $"final validation accuracy {last.Validation?["accuracy"]:P1}, chance is 10%");
        Assert.IsNotNull(report.BestEpoch);
        Assert.IsFalse(report.EarlyStopped);
        Assert.IsFalse(report.RestoredBestWeights, "no early stopping: the last epoch's weights are returned");
        CollectionAssert.AreEqual(EuroSat.ClassNames, report.ClassNames.ToArray());
    }

    [TestMethod]
    public void Fit_ReportsProgressAndLogsEpochsToMLContext()
    {
        Assert.AreEqual(Epochs, progress.Count(p => p.IsEpochEnd));
        Assert.IsTrue(progress.Any(p => !p.IsEpochEnd && p.Step == 3), "step reports every 3 steps");
        Assert.IsTrue(progress.Where(p => p.IsEpochEnd).All(p => p.Validation?["accuracy"] is not null && p.SamplesPerSecond > 0 && p.LearningRate > 0));
        Assert.IsTrue(progress.Where(p => p.IsEpochEnd).Select(p => p.LearningRate).Zip(progress.Where(p => p.IsEpochEnd).Select(p => p.LearningRate).Skip(1)).All(t => t.Second < t.First), "cosine decay");
        lock (logMessages)
        {
            Assert.IsTrue(logMessages.Any(m => m.Contains($"epoch {Epochs}/{Epochs}") && m.Contains("val acc")), "epoch lines reach MLContext.Log: " + string.Join(" | ", logMessages.Take(5)));
            Assert.IsTrue(logMessages.Any(m => m.Contains("Fine-tuning done")));
        }
        Assert.IsTrue(File.Exists(Path.Combine(folder, "classifier.onnx")));
        Assert.IsTrue(File.Exists(Path.Combine(folder, "classifier.ckpt")));
    }

    [TestMethod]
    public void Output_HasStandardScoreAndPredictedLabelColumns()
    {
        var output = classifier.Transform(validationKeyed);
        var score = output.Schema["Score"];
        Assert.IsInstanceOfType<VectorDataViewType>(score.Type);
        Assert.AreEqual(NumberDataViewType.Single, ((VectorDataViewType)score.Type).ItemType);
        Assert.AreEqual(10, ((VectorDataViewType)score.Type).Size);
        var predicted = output.Schema["PredictedLabel"];
        Assert.IsInstanceOfType<KeyDataViewType>(predicted.Type);
        Assert.AreEqual(10UL, ((KeyDataViewType)predicted.Type).Count);
        CollectionAssert.AreEqual(KeyValues(output.Schema["Label"]), KeyValues(predicted), "PredictedLabel has the label's key values in the same order");
        VBuffer<ReadOnlyMemory<char>> slots = default;
        score.GetSlotNames(ref slots);
        CollectionAssert.AreEqual(EuroSat.ClassNames, slots.DenseValues().Select(s => s.ToString()).ToArray(), "Score slot names are the class names");
        Assert.IsFalse(output.Schema.Any(c => !c.IsHidden && c.Name.StartsWith("GeoImageClassifier.")), "temporary columns are dropped");

        var (labels, predictions, scores) = Read(output);
        Assert.AreEqual(60, scores.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.AreEqual(1.0, scores[i].Sum(), 1e-4, $"row {i}: probabilities sum to 1");
            Assert.IsTrue(scores[i].All(p => p >= 0));
            Assert.AreEqual((uint)(ArgMax(scores[i]) + 1), predictions[i], $"row {i}: PredictedLabel is the arg max of Score");
        }
        Assert.IsTrue(predictions.Distinct().Count() > 2, "predictions are not constant");
    }

    [TestMethod]
    public void Evaluate_MicroAccuracyEqualsAccuracyByHand_AndTheTrainingReport()
    {
        var output = classifier.Transform(validationKeyed);
        var metrics = ml.MulticlassClassification.Evaluate(output);
        var (labels, predictions, _) = Read(output);
        double byHand = labels.Zip(predictions).Count(t => t.First == t.Second) / (double)labels.Length;
        TestContext.WriteLine($"MicroAccuracy {metrics.MicroAccuracy:P2}, by hand {byHand:P2}, MacroAccuracy {metrics.MacroAccuracy:P2}, LogLoss {metrics.LogLoss:F3}");
        TestContext.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());
        Assert.AreEqual(byHand, metrics.MicroAccuracy, 1e-9);
        Assert.AreEqual(10, metrics.ConfusionMatrix.NumberOfClasses);
        Assert.IsTrue(metrics.MicroAccuracy > 0.2, "well above chance (10%)");
        // The ONNX chain sees the same pixels as training, so it reproduces TorchSharp's validation accuracy of the returned (last) epoch.
        Assert.AreEqual(report.Epochs[^1].Validation!["accuracy"], metrics.MicroAccuracy, 1.0 / 60 + 1e-9);
        Assert.AreEqual(report.Epochs[^1].Validation!["loss"], metrics.LogLoss, 1e-3, "log-loss of the ONNX probabilities equals TorchSharp's validation loss");
    }

    [TestMethod]
    public void OnnxScores_MatchTorchSharpOnRealPatches()
    {
        // The TorchSharp classifier the trainer wrote, run on the very pixels ML.NET extracts for the ONNX model.
        var (model, info) = ClassifierCheckpoint.Load(Path.Combine(folder, "classifier.ckpt"));
        using (model)
        {
            Assert.AreEqual(10, info.NumClasses);
            CollectionAssert.AreEqual(EuroSat.ClassNames, info.ClassNames);
            var all = ml.Data.LoadFromEnumerable(Rows().Train.Concat(Rows().Validation).ToList());
            byte[] pixels = Pixels(all, out int count);
            var torch = ClassifierInference.PredictProbabilities(model, pixels, count, info.Input.WithSize(Size, Size));
            var (_, _, onnx) = Read(classifier.Transform(labelKeys.Transform(all)));
            double max = 0;
            for (int i = 0; i < count; i++)
                for (int j = 0; j < 10; j++) max = Math.Max(max, Math.Abs(torch[i][j] - onnx[i][j]));
            TestContext.WriteLine($"ONNX (ML.NET chain) vs TorchSharp on {count} patches: max |diff| = {max:E2}");
            Assert.AreEqual(300, count);
            Assert.IsTrue(max <= 1e-4, $"max abs diff {max}");
        }
    }

    [TestMethod]
    public void SavedPipeline_LoadsInNewContext_WithIdenticalScores_AndPredictionEngineGivesClassNames()
    {
        string zip = Path.Combine(folder, "pipeline.zip");
        var pipeline = new TransformerChain<ITransformer>(labelKeys, classifier);
        ml.Model.Save(pipeline, validationRaw.Schema, zip);

        var ml2 = new MLContext(seed: 2);
        var loaded = ml2.Model.Load(zip, out var inputSchema);
        Assert.AreEqual("ImagePath", inputSchema["ImagePath"].Name);
        var expected = Read(pipeline.Transform(validationRaw));
        var actual = Read(loaded.Transform(ml2.Data.LoadFromEnumerable(Rows().Validation)));
        CollectionAssert.AreEqual(expected.Predictions, actual.Predictions);
        for (int i = 0; i < expected.Scores.Length; i++)
            CollectionAssert.AreEqual(expected.Scores[i], actual.Scores[i], $"row {i}: identical Score after Save/Load");

        using var withNames = ((TransformerChain<ITransformer>)loaded).Append(ml2.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(loaded.Transform(validationRaw)));
        using var engine = ml2.Model.CreatePredictionEngine<PatchRow, PatchPrediction>(withNames);
        var rows = Rows().Validation;
        for (int i = 0; i < rows.Count; i += 7)
        {
            var p = engine.Predict(new PatchRow { ImagePath = rows[i].ImagePath });
            Assert.AreEqual(EuroSat.ClassNames[expected.Predictions[i] - 1], p.PredictedLabel, $"row {i}: the class name of the predicted key");
            Assert.AreEqual(10, p.Score.Length);
            CollectionAssert.AreEqual(expected.Scores[i], p.Score);
        }
    }

    [TestMethod]
    public void GetOutputSchema_AddsScoreAndKeyPredictedLabel()
    {
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(TinyOptions());
        var shape = estimator.GetOutputSchema(Shape(trainKeyed.Schema));
        var score = shape.Single(c => c.Name == "Score");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.AreEqual(NumberDataViewType.Single, score.ItemType);
        var predicted = shape.Single(c => c.Name == "PredictedLabel");
        Assert.IsTrue(predicted.IsKey);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Scalar, predicted.Kind);
        Assert.IsFalse(shape.Any(c => c.Name.StartsWith("GeoImageClassifier.")));
        // The simple overload fills the same options.
        var simple = ml.MulticlassClassification.Trainers.GeoImageClassifier("Label", "ImagePath", TestData.EuroSatFolder, null, epochs: 3, batchSize: 16, imageSize: 48);
        Assert.AreEqual((3, 16, 48, TestData.EuroSatFolder), (simple.Settings.Epochs, simple.Settings.BatchSize, simple.Settings.ImageSize, simple.Settings.ImageFolder));
        Assert.IsTrue(simple.GetOutputSchema(Shape(trainKeyed.Schema)).Any(c => c.Name == "PredictedLabel" && c.IsKey));
        // Inside an estimator chain, before any fitting (the label is still text for the first estimator).
        var chain = ml.Transforms.Conversion.MapValueToKey("Label").Append(estimator);
        Assert.IsTrue(chain.GetOutputSchema(Shape(validationRaw.Schema)).Any(c => c.Name == "PredictedLabel" && c.IsKey));
    }

    [TestMethod]
    public void InitialEncoderPath_StartsFromThePretrainingCheckpointsQueryEncoder()
    {
        // A pretraining checkpoint in the Pretrainer's format, with an encoder of its own (seeded) and its own normalisation.
        string dir = TestData.TempFolder("classifier-init");
        string pretrained = Path.Combine(dir, "pretrained.ckpt");
        var config = new GeoSSL.Core.Training.PretrainConfig
        {
            Variant = GeoSSL.Core.Training.PretrainVariant.MoCoV2,
            Model = new GeoSSL.Core.Contrastive.MocoOptions { Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16 }, QueueSize = 32, GeoClasses = 0 },
            Augmentation = new GeoSSL.Core.Augmentation.AugmentationOptions { OutputSize = Size },
            Input = ImageInputSpec.Rgb(Size, [0.3f, 0.4f, 0.5f], [0.2f, 0.2f, 0.2f]),
            Epochs = 1, BatchSize = 32, Seed = 42,
        };
        TorchSharp.torch.manual_seed(42);
        using var moco = new GeoSSL.Core.Contrastive.GeoMoco(config.Model);
        GeoSSL.Core.Training.Checkpoint.SaveWeights(pretrained, config, moco);

        var options = TinyOptions(epochs: 1);
        options.BaseWidth = 64; // ignored: the checkpoint decides the architecture
        options.InitialEncoderPath = pretrained;
        options.FreezeBackbone = true;
        options.CheckpointPath = Path.Combine(dir, "classifier.ckpt");
        var estimator = ml.MulticlassClassification.Trainers.GeoImageClassifier(options);
        using var model = estimator.Fit(trainKeyed);
        Assert.AreEqual(pretrained, estimator.LastReport!.InitialEncoderPath);
        Assert.AreEqual(16, estimator.LastReport.Encoder.BaseWidth);

        var (classifierModel, info) = ClassifierCheckpoint.Load(options.CheckpointPath);
        using (classifierModel)
        {
            CollectionAssert.AreEqual(new[] { 0.3f, 0.4f, 0.5f }, info.Input.Mean, "the checkpoint's normalisation is used");
            var expected = moco.QueryEncoder.state_dict();
            var actual = classifierModel.state_dict();
            foreach (var (name, tensor) in expected)
                Assert.IsTrue(tensor.eq(actual[name]).all().item<bool>(), $"backbone '{name}' is the pretrained query encoder's (frozen, so unchanged)");
        }
        // And the exported model uses it: its scores differ from a random-init classifier's.
        var scores = Read(model.Transform(validationKeyed)).Scores;
        Assert.IsTrue(scores.Zip(Read(classifier.Transform(validationKeyed)).Scores).Any(t => Math.Abs(t.First[0] - t.Second[0]) > 1e-3));
    }

    [TestMethod]
    public void ImageColumnFromLoadImages_GivesTheSameModelAsThePathColumn()
    {
        float[][] Scores(IDataView train, IDataView validation, string imageColumn)
        {
            var options = TinyOptions(epochs: 1);
            options.FreezeBackbone = true;
            options.LearningRate = 0.1;
            options.ImageColumnName = imageColumn;
            using var model = ml.MulticlassClassification.Trainers.GeoImageClassifier(options).Fit(train);
            return Read(model.Transform(validation)).Scores;
        }
        var load = ml.Transforms.LoadImages("Image", TestData.EuroSatFolder, "ImagePath").Fit(trainKeyed);
        var fromPaths = Scores(trainKeyed, validationKeyed, "ImagePath");
        var fromImages = Scores(load.Transform(trainKeyed), load.Transform(validationKeyed), "Image");
        for (int i = 0; i < fromPaths.Length; i++) CollectionAssert.AreEqual(fromPaths[i], fromImages[i], $"row {i}");
    }

    private sealed class NumberedPatch
    {
        public string ImagePath { get; set; } = "";
        public int Label { get; set; }
    }

    private sealed class NumberedPrediction
    {
        public int PredictedLabel { get; set; }
    }

    [TestMethod]
    public void NumericLabelValues_ComeBackAsTheSameNumbers()
    {
        // Class ids 100..109 instead of names: the key values are Int32, and so are PredictedLabel's.
        var rows = Rows().Train.Where((_, i) => i % 2 == 0).Select(r => new NumberedPatch { ImagePath = r.ImagePath, Label = 100 + Array.IndexOf(EuroSat.ClassNames, r.Label) }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = TinyOptions(epochs: 1);
        options.FreezeBackbone = true;
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.GeoImageClassifier(options));
        using var model = pipeline.Fit(data);
        var output = model.Transform(data);
        var keyValues = output.Schema["PredictedLabel"].Annotations.Schema["KeyValues"].Type as VectorDataViewType;
        Assert.AreEqual(NumberDataViewType.Int32, keyValues!.ItemType);
        VBuffer<int> predictedValues = default, labelValues = default;
        output.Schema["PredictedLabel"].GetKeyValues(ref predictedValues);
        output.Schema["Label"].GetKeyValues(ref labelValues);
        CollectionAssert.AreEqual(labelValues.DenseValues().ToArray(), predictedValues.DenseValues().ToArray());
        var named = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(output).Transform(output);
        var ids = ml.Data.CreateEnumerable<NumberedPrediction>(named, reuseRowObject: false).Select(p => p.PredictedLabel).ToList();
        Assert.IsTrue(ids.All(id => id is >= 100 and <= 109), string.Join(",", ids.Distinct()));
        var (labels, predictions, _) = Read(output);
        Assert.AreEqual(labels.Zip(predictions).Count(t => t.First == t.Second) / (double)labels.Length, ml.MulticlassClassification.Evaluate(output).MicroAccuracy, 1e-9);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /// <summary>ML.NET's SchemaShape.Create is internal; estimators receive shapes made by it.</summary>
    internal static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public,
            new[] { typeof(DataViewSchema) })!.Invoke(null, new object[] { schema })!;

    internal static string[] KeyValues(DataViewSchema.Column column)
    {
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    internal static (uint[] Labels, uint[] Predictions, float[][] Scores) Read(IDataView output)
    {
        var labels = new List<uint>();
        var predictions = new List<uint>();
        var scores = new List<float[]>();
        var cols = new[] { output.Schema["Label"], output.Schema["PredictedLabel"], output.Schema["Score"] };
        using var cursor = output.GetRowCursor(cols);
        var l = cursor.GetGetter<uint>(cols[0]);
        var p = cursor.GetGetter<uint>(cols[1]);
        var s = cursor.GetGetter<VBuffer<float>>(cols[2]);
        uint lv = 0, pv = 0;
        VBuffer<float> sv = default;
        while (cursor.MoveNext())
        {
            l(ref lv); p(ref pv); s(ref sv);
            labels.Add(lv); predictions.Add(pv); scores.Add(sv.DenseValues().ToArray());
        }
        return (labels.ToArray(), predictions.ToArray(), scores.ToArray());
    }

    /// <summary>Planar RGB bytes at <see cref="Size"/> px as ML.NET's stock transforms produce them.</summary>
    internal static byte[] Pixels(IDataView rows, out int count)
    {
        var chain = ml.Transforms.LoadImages("img", TestData.EuroSatFolder, "ImagePath")
            .Append(ml.Transforms.ResizeImages("res", Size, Size, "img", ImageResizingEstimator.ResizingKind.IsoCrop)) // the trainer's chain
            .Append(ml.Transforms.ExtractPixels("px", "res", interleavePixelColors: false, outputAsFloatArray: false));
        var px = chain.Fit(rows).Transform(rows).GetColumn<VBuffer<byte>>("px").Select(v => v.DenseValues().ToArray()).ToList();
        count = px.Count;
        return px.SelectMany(b => b).ToArray();
    }

    internal static int ArgMax(float[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}

/// <summary>Reports synchronously on the training thread (System.Progress posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> onReport) : IProgress<T>
{
    public void Report(T value) => onReport(value);
}
