using GeoSSL.Core.Engine;
using GeoSSL.MLNet.Featurizer;
using System.Diagnostics;
using GeoSSL.Core.Inference;
using GeoSSL.Core.Training;
using GeoSSL.Data.Images;
using GeoSSL.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;
using MetricNames = GeoSSL.MLNet.MetricNames;
using PretrainVariant = GeoSSL.MLNet.PretrainVariant;

namespace GeoSSL.Tests.MLNet;

/// <summary>The estimator end to end on real tiles: one tiny training run shared by the tests of this class.</summary>
[TestClass]
public sealed class GeoContrastivePretrainTests
{
    private static string folder = "";
    private static MLContext ml = null!;
    private static IDataView data = null!;
    private static GeoImageFeaturizer featurizer = null!;
    private static GeoPretrainReport report = null!;
    private static readonly List<string> logMessages = new();
    private static readonly List<TrainingProgress> progress = new();

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = TestData.TempFolder("estimator");
        ml = new MLContext(seed: 1);
        ml.Log += (_, e) => { lock (logMessages) logMessages.Add(e.Message); };
        data = ml.Data.LoadFromEnumerable(TileRows.Load(96));
        var options = TileRows.TinyOptions(folder);
        options.Progress = new SyncProgress(p => progress.Add(p));
        // kNN monitor on real land-cover patches (absolute paths, so no folder).
        options.MonitorData = ml.Data.LoadFromEnumerable(TestData.EuroSatPatches().Select(p => new MonitorPatch { ImagePath = p.ImagePath, Label = p.Label }));
        var estimator = ml.Transforms.GeoContrastivePretrain(options);
        featurizer = estimator.Fit(data);
        report = estimator.LastReport!;
    }

    private sealed class MonitorPatch { public string ImagePath { get; set; } = ""; public string Label { get; set; } = ""; }

    [TestMethod]
    public void Monitor_ReportsKnnAndEmbeddingSpreadEveryEpoch()
    {
        foreach (var e in report.Epochs)
        {
            Assert.IsNotNull(e.ValidationMetric(MetricNames.KnnTop1), $"epoch {e.Epoch} has a kNN figure");
            Assert.IsTrue(e.ValidationMetric(MetricNames.KnnTop1) is > 0.1 and <= 1, $"leave-one-out kNN on 10 classes beats chance: {e.ValidationMetric(MetricNames.KnnTop1)}");
            Assert.IsTrue(e.ValidationMetric(MetricNames.EmbeddingStd) is > 0.05 and < 1.01, $"embedding spread {e.ValidationMetric(MetricNames.EmbeddingStd)}");
        }
        var ends = progress.Where(p => p.IsEpochEnd).ToList();
        Assert.IsTrue(ends.All(p => p.ValidationMetric(MetricNames.KnnTop1) is not null && p.ValidationMetric(MetricNames.EmbeddingStd) is not null), "epoch-end progress carries the monitor");
        lock (logMessages) Assert.IsTrue(logMessages.Any(m => m.Contains("kNN top-1")), "monitor figures reach MLContext.Log");
    }

    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    [TestMethod]
    public void Fit_AddsFeatureVectorAndDropsTemporaryColumns()
    {
        var output = featurizer.Transform(data);
        var type = output.Schema["Features"].Type as VectorDataViewType;
        Assert.IsNotNull(type);
        Assert.AreEqual(128, type.Size, "ResNet-18 at base width 16 pools 128 channels");
        Assert.IsFalse(output.Schema.Any(c => !c.IsHidden && c.Name.StartsWith("Features.")), "temporary columns are dropped");
        var features = TileRows.Features(ml, featurizer, data);
        Assert.AreEqual(96, features.Length);
        Assert.IsTrue(features.All(f => f.All(float.IsFinite)));
        Assert.IsTrue(TileRows.MaxAbsDiff(features.Take(1).ToArray(), features.Skip(2).Take(1).ToArray()) > 1e-3, "different tiles get different features");
    }

    [TestMethod]
    public void Fit_ReportsProgressLogAndClusters()
    {
        Assert.AreEqual(2, report.Epochs.Count);
        Assert.AreEqual(96, report.Images);
        Assert.AreEqual(48, report.Locations);
        Assert.IsTrue(report.GeoClusters is > 1 and <= 8, $"geo clusters {report.GeoClusters}");
        Assert.IsTrue(report.Epochs.All(e => e.Loss > 0 && e.Metric(MetricNames.Geo) > 0 && e.Metric(MetricNames.Contrastive) > 0 && e.SamplesPerSecond > 0));
        Assert.IsTrue(progress.Count(p => p.IsEpochEnd) == 2 && progress.Any(p => !p.IsEpochEnd), "step and epoch reports");
        lock (logMessages) Assert.IsTrue(logMessages.Any(m => m.Contains("epoch 2/2")), "epoch summaries reach MLContext.Log: " + string.Join(" | ", logMessages.Take(5)));
        Assert.IsTrue(File.Exists(Path.Combine(folder, "model.ckpt")));
        Assert.IsTrue(File.Exists(Path.Combine(folder, "encoder.onnx")));
    }

    [TestMethod]
    public void OnnxFeaturizer_MatchesTorchSharpEncoderOnRealTiles()
    {
        // TorchSharp features of the checkpointed encoder on the 32 px pixels pretraining decodes (SkiaSharp): the
        // featurizer's ML.NET chain must hand ONNX the same pixels, so features agree to float precision.
        var rows = TileRows.Load(96);
        var bytes = new byte[rows.Count * 3 * 32 * 32];
        for (int i = 0; i < rows.Count; i++) ImageDecoder.DecodeRgbPlanar(rows[i].ImagePath, 32, 32, bytes.AsSpan(i * 3 * 32 * 32, 3 * 32 * 32));
        using var trainer = Pretrainer.FromCheckpoint(Path.Combine(folder, "model.ckpt"), "cpu");
        trainer.LoadWeights(Path.Combine(folder, "model.ckpt"));
        var torch = TorchFeaturizer.Featurize(trainer.Encoder, bytes, rows.Count, trainer.Config.Input.WithSize(32, 32));
        var onnx = TileRows.Features(ml, featurizer, data);
        double diff = TileRows.MaxAbsDiff(torch, onnx);
        Assert.IsTrue(diff <= 1e-4, $"ONNX vs TorchSharp max abs diff {diff}");
    }

    [TestMethod]
    public void GeoFeaturizeImage_FromOnnxFileAndCheckpoint_GivesTheTrainedFeatures()
    {
        var expected = TileRows.Features(ml, featurizer, data);
        var fromOnnx = ml.Transforms.GeoFeaturizeImage(Path.Combine(folder, "encoder.onnx")).Fit(data);
        Assert.AreEqual(0.0, TileRows.MaxAbsDiff(expected, TileRows.Features(ml, fromOnnx, data)), "same ONNX bytes, same features");
        var fromCheckpoint = ml.Transforms.GeoFeaturizeImage(Path.Combine(folder, "model.ckpt")).Fit(data);
        Assert.IsTrue(TileRows.MaxAbsDiff(expected, TileRows.Features(ml, fromCheckpoint, data)) <= 1e-5, "checkpoint re-export");
        var projection = ml.Transforms.GeoFeaturizeImage(Path.Combine(folder, "model.ckpt"), outputColumnName: "Proj", outputProjection: true).Fit(data);
        Assert.AreEqual(128, TileRows.Features(ml, projection, data, "Proj")[0].Length);
    }

    [TestMethod]
    public void SavedModel_LoadsInFreshProcess_WithIdenticalFeatures()
    {
        string zip = Path.Combine(folder, "featurizer.zip");
        ml.Model.Save(featurizer, data.Schema, zip);
        string onnxCopy = Path.Combine(folder, "encoder.onnx");
        File.Delete(onnxCopy); // the zip must be self-contained

        // Same process, new context. Saving writes the stock row-by-row chain: compare with it bit for bit.
        var ml2 = new MLContext();
        var loaded = ml2.Model.Load(zip, out var schema);
        var expected = TileRows.Features(ml, featurizer.StockChain, data);
        Assert.AreEqual(0.0, TileRows.MaxAbsDiff(expected, TileRows.Features(ml2, loaded, data)));

        // Fresh process: the sample's 'featurize' command loads the zip and writes the features of the bundled manifest.
        string csv = Path.Combine(folder, "fresh.csv");
        var sample = SampleApp.DllPath();
        var psi = new ProcessStartInfo("dotnet", $"\"{sample}\" featurize --model \"{zip}\" --manifest \"{TestData.OscdManifest}\" --out \"{csv}\"")
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(psi)!;
        string err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, err);
        var fresh = File.ReadAllLines(csv).Take(96).Select(l => l.Split(',').Select(s => float.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.AreEqual(0.0, TileRows.MaxAbsDiff(expected, fresh), "bitwise-identical features in a fresh process");
    }

    [TestMethod]
    public void BatchedTransform_MatchesRowByRowChain_AndKeepsRowsAligned()
    {
        var rowByRow = TileRows.Features(ml, featurizer.StockChain, data);
        // 96 rows in batches of 7: the last batch is partial.
        var odd = ml.Transforms.GeoFeaturizeImage(Path.Combine(folder, "model.ckpt"), batchSize: 7).Fit(data);
        Assert.AreEqual(7, odd.BatchSize);
        var output = odd.Transform(data);
        var locations = new List<string>();
        var features = new List<float[]>();
        using (var cursor = output.GetRowCursor(output.Schema))
        {
            var loc = cursor.GetGetter<ReadOnlyMemory<char>>(output.Schema["LocationId"]);
            var feat = cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]);
            ReadOnlyMemory<char> l = default; VBuffer<float> f = default;
            while (cursor.MoveNext()) { loc(ref l); feat(ref f); locations.Add(l.ToString()); features.Add(f.DenseValues().ToArray()); }
        }
        CollectionAssert.AreEqual(TileRows.Load(96).Select(r => r.LocationId).ToList(), locations, "pass-through columns stay on their rows");
        double diff = TileRows.MaxAbsDiff(rowByRow, features.ToArray());
        Assert.IsTrue(diff <= 1e-5, $"batched vs row-by-row max abs diff {diff}");
        Assert.IsTrue(TileRows.MaxAbsDiff(TileRows.Features(ml, featurizer, data), features.ToArray()) <= 1e-5, "batch size does not change features");

        // A single row through PredictionEngine uses the row-to-row mapper of the stock chain.
        var engine = ml.Model.CreatePredictionEngine<TileRow, FeatureRow>(featurizer);
        var first = engine.Predict(TileRows.Load(1)[0]);
        Assert.IsTrue(TileRows.MaxAbsDiff(rowByRow.Take(1).ToArray(), new[] { first.Features }) <= 1e-6);
    }

    private sealed class FeatureRow { public float[] Features { get; set; } = []; }

    [TestMethod]
    public void ResumeFromCheckpoint_ContinuesTraining()
    {
        string resumeFolder = TestData.TempFolder("resume");
        File.Copy(Path.Combine(folder, "model.ckpt"), Path.Combine(resumeFolder, "start.ckpt"));
        var options = TileRows.TinyOptions(resumeFolder, epochs: 3);
        options.ResumeFromCheckpoint = Path.Combine(resumeFolder, "start.ckpt");
        var estimator = ml.Transforms.GeoContrastivePretrain(options);
        estimator.Fit(data);
        var epochs = estimator.LastReport!.Epochs;
        Assert.AreEqual(3, epochs.Count);
        Assert.AreEqual(report.Epochs[0].Loss, epochs[0].Loss, 1e-9, "history comes from the checkpoint");
        Assert.AreEqual(report.Epochs[1].Loss, epochs[1].Loss, 1e-9);
        Assert.AreEqual(report.Epochs[1].ValidationMetric(MetricNames.KnnTop1), epochs[1].ValidationMetric(MetricNames.KnnTop1), "monitor history survives the checkpoint");
        Assert.IsNotNull(epochs[2].ValidationMetric(MetricNames.EmbeddingStd), "without MonitorData the collapse check still runs on training images");
        Assert.IsNull(epochs[2].ValidationMetric(MetricNames.KnnTop1));
    }

    [TestMethod]
    public void ImageColumnFromLoadImages_IsAccepted()
    {
        var withImages = ml.Transforms.LoadImages("Image", "", "ImagePath").Fit(data).Transform(data);
        var options = TileRows.TinyOptions(epochs: 1);
        options.ImageColumnName = "Image";
        var model = ml.Transforms.GeoContrastivePretrain(options).Fit(withImages);
        var features = TileRows.Features(ml, model, withImages);
        Assert.AreEqual(96, features.Length);
        Assert.AreEqual(128, features[0].Length);
    }
}
