using GeoSSL.Core.Engine;
using GeoSSL.Core.Inference;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Scenes;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Featurizer;
using GeoSSL.Tests.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using System.Runtime.InteropServices;
using ResNetDepth = GeoSSL.MLNet.ResNetDepth;
using MetricNames = GeoSSL.MLNet.MetricNames;

namespace GeoSSL.Tests.Multispectral;

/// <summary>
/// Issue 16 end to end on the real 13-band Sentinel-2 files: windows of the bercy and paris scenes (both dates) pretrain an
/// encoder through the ML.NET estimator (tensor column, per-band statistics from the data), whose featurizer carries the
/// input contract, agrees with TorchSharp, and survives Model.Save/Load; and the RGB OSCD scenes pretrain the same way.
/// </summary>
[TestClass]
public sealed class ScenePretrainTests
{
    private const int Size = 32;
    private static string SharedData => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data"));
    private static string Msi(string city) => Path.Combine(SharedData, "oscd-s2-msi", city);

    private static MLContext ml = null!;
    private static SceneWindowSampler windows = null!;
    private static IDataView data = null!;
    private static GeoImageFeaturizer featurizer = null!;
    private static GeoContrastivePretrainEstimator estimator = null!;
    private static string folder = null!;

    internal static GeoContrastivePretrainEstimator.Options Options(string? folder, IReadOnlyList<string> bands, float divisor) => new()
    {
        ImageColumnName = "Image", TimestampColumnName = "Timestamp", Bands = bands.ToArray(), SampleDivisor = divisor,
        Architecture = ResNetDepth.ResNet18, BaseWidth = 16, ImageSize = Size, BatchSize = 32, QueueSize = 128, EncoderMomentum = 0.99,
        GeoClusters = 6, Epochs = 1, Device = "cpu", MonitorEveryNEpochs = 1,
        CheckpointPath = folder is null ? null : Path.Combine(folder, "model.ckpt"),
    };

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = TestData.TempFolder("scene-pretrain-13");
        ml = new MLContext(seed: 1);
        var scenes = new[] { GeoScene.FromSentinel2(Msi("bercy"), "all"), GeoScene.FromSentinel2(Msi("paris"), "all") };
        windows = SceneWindowSampler.Random(scenes, Size, count: 48, seed: 3);
        data = ml.Data.LoadSceneWindows(windows);
        estimator = ml.Transforms.GeoContrastivePretrain(Options(folder, windows.Bands, 10000f));
        featurizer = estimator.Fit(data);
    }

    [ClassCleanup]
    public static void Cleanup() => featurizer?.Dispose();

    [TestMethod]
    public void Fit_TrainsOnThirteenBandWindows_WithTemporalPairsAndGeoClusters()
    {
        var report = estimator.LastReport!;
        Assert.AreEqual(96, report.Images, "48 windows at 2 dates");
        Assert.AreEqual(48, report.Locations, "one location per window, both dates");
        Assert.IsTrue(report.GeoClusters > 1, $"window centres in two cities give several clusters ({report.GeoClusters})");
        Assert.IsTrue(report.Epochs.All(e => double.IsFinite(e.Loss) && e.Metric(MetricNames.Contrastive) > 0 && e.Metric(MetricNames.Geo) > 0));
    }

    [TestMethod]
    public void InputContract_IsMeasuredFromTheData_AndTravelsInCheckpointAndFeaturizer()
    {
        var spec = featurizer.Input;
        Assert.IsNotNull(spec, "the exported ONNX carries the input contract");
        CollectionAssert.AreEqual(Sentinel2BandFiles.AllBands.ToArray(), spec.Bands);
        Assert.AreEqual(10000f, spec.SampleDivisor);
        Assert.AreEqual((Size, Size), (spec.Height, spec.Width));
        Assert.IsFalse(spec.IsTrueColour, "13 bands get no colour augmentation");
        // Top-of-atmosphere reflectance of a city: means well inside 0..0.5, spreads positive.
        for (int c = 0; c < 13; c++)
        {
            Assert.IsTrue(spec.Mean[c] is > 0.001f and < 0.5f, $"{spec.Bands[c]} mean {spec.Mean[c]}"); // B10 (cirrus) is ~0.002
            Assert.IsTrue(spec.Std[c] is > 1e-4f and < 0.3f, $"{spec.Bands[c]} std {spec.Std[c]}");
        }
        // The means are the data's: recompute one band on the sampled windows (all 96 rows are sampled).
        var b04 = Array.IndexOf(spec.Bands, "B04");
        double sum = 0; long n = 0;
        var buffer = new float[windows.SamplesPerWindow];
        for (int i = 0; i < windows.Records.Count; i++)
        {
            windows.FillRecord(i, buffer);
            for (int p = 0; p < Size * Size; p++) { sum += buffer[b04 * Size * Size + p]; n++; }
        }
        Assert.AreEqual(sum / n / 10000, spec.Mean[b04], 1e-5);

        var config = Checkpoint.ReadConfig(Path.Combine(folder, "model.ckpt"));
        CollectionAssert.AreEqual(spec.Bands, config.Input.Bands);
        CollectionAssert.AreEqual(spec.Mean, config.Input.Mean);
        Assert.AreEqual(13, config.Model.Encoder.InputChannels);
    }

    [TestMethod]
    public void Featurizer_MatchesTorchSharp_AndSurvivesModelSaveLoad()
    {
        var onnx = TileRows.Features(ml, featurizer, data);
        Assert.AreEqual(96, onnx.Length);
        var samples = new float[windows.Records.Count * windows.SamplesPerWindow];
        for (int i = 0; i < windows.Records.Count; i++) windows.FillRecord(i, samples.AsSpan(i * windows.SamplesPerWindow, windows.SamplesPerWindow));
        using var trainer = Pretrainer.FromCheckpoint(Path.Combine(folder, "model.ckpt"), "cpu");
        trainer.LoadWeights(Path.Combine(folder, "model.ckpt"));
        var torch = TorchFeaturizer.Featurize(trainer.Encoder, MemoryMarshal.AsBytes(samples.AsSpan()), windows.Records.Count, trainer.Config.Input);
        double diff = TileRows.MaxAbsDiff(torch, onnx);
        Assert.IsTrue(diff <= 1e-4, $"ONNX vs TorchSharp max abs diff {diff}");
        Assert.IsTrue(TileRows.MaxAbsDiff(onnx.Take(1).ToArray(), onnx.Skip(5).Take(1).ToArray()) > 1e-3, "different windows, different features");

        string path = Path.Combine(folder, "featurizer.zip");
        ml.Model.Save(featurizer, data.Schema, path);
        var fresh = new MLContext(seed: 5);
        var loaded = fresh.Model.Load(path, out _);
        var reloaded = TileRows.Features(fresh, loaded, fresh.Data.LoadSceneWindows(windows));
        Assert.IsTrue(TileRows.MaxAbsDiff(onnx, reloaded) <= 1e-5, "the saved stock chain gives the same features");
    }

    [TestMethod]
    public void LoadGeoTiffs_FeaturizesSentinel2Folders_WithTheSceneEncoder()
    {
        var folders = new[] { Path.Combine(Msi("bercy"), "imgs_1"), Path.Combine(Msi("bercy"), "imgs_2"), Path.Combine(Msi("paris"), "imgs_1") };
        var rasters = ml.Data.LoadGeoTiffs(folders, Size, Sentinel2BandFiles.AllBands);
        var type = (VectorDataViewType)rasters.Schema["Image"].Type;
        CollectionAssert.AreEqual(new[] { 13, Size, Size }, type.Dimensions.ToArray());
        var features = TileRows.Features(ml, featurizer, rasters);
        Assert.AreEqual(3, features.Length);
        Assert.IsTrue(features.All(f => f.All(float.IsFinite)));
        Assert.IsTrue(TileRows.MaxAbsDiff(features.Take(1).ToArray(), features.Skip(2).Take(1).ToArray()) > 1e-3, "bercy and paris differ");
        // Each row's coordinates are its raster's centre, from the GeoTIFF georeferencing (both OSCD cities are in Paris).
        var lat = rasters.GetColumn<double>("Latitude").ToArray();
        var lon = rasters.GetColumn<double>("Longitude").ToArray();
        var b02 = GeoTiffReader.ReadInfo(Sentinel2BandFiles.Find(folders[0])["B02"]);
        var (centreLon, centreLat) = b02.PixelToLonLat(b02.Width / 2.0, b02.Height / 2.0);
        Assert.AreEqual(centreLat, lat[0], 1e-9);
        Assert.AreEqual(centreLon, lon[0], 1e-9);
        Assert.IsTrue(lat.All(v => v is > 48.7 and < 49.0) && lon.All(v => v is > 2.1 and < 2.5), $"{string.Join(";", lat)} / {string.Join(";", lon)}");
    }

    [TestMethod]
    public void SavedFeaturizer_InANewProcess_GivesTheSameFeaturesOnGeoTiffs()
    {
        // The saved model is ML.NET's stock chain around the ONNX: a process that never trained loads it with plain Model.Load
        // (the sample's featurize verb) and featurizes the rasters read with LoadGeoTiffs.
        string model = Path.Combine(folder, "featurizer-for-process.zip");
        ml.Model.Save(featurizer, data.Schema, model);
        var folders = new[] { Path.Combine(Msi("bercy"), "imgs_2"), Path.Combine(Msi("paris"), "imgs_2") };
        string csv = Path.Combine(folder, "features-other-process.csv");
        new GeoSSL.Tests.Reliability.SampleProcess("featurize", []).RunToEnd("--model", model, "--rasters", string.Join(",", folders), "--bands", "all",
            "--size", Size.ToString(), "--out", csv);
        var theirs = File.ReadAllLines(csv).Select(l => l.Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var ours = TileRows.Features(ml, featurizer, ml.Data.LoadGeoTiffs(folders, Size, Sentinel2BandFiles.AllBands));
        Assert.AreEqual(2, theirs.Length);
        Assert.AreEqual(0.0, TileRows.MaxAbsDiff(ours, theirs), 1e-6, "same rasters, same saved chain, same features");
    }

    [TestMethod]
    public void MismatchedInput_IsANamedError()
    {
        // An RGB image column cannot feed a 13-band encoder, and a tensor of other bands cannot either.
        var rgbRows = ml.Data.LoadFromEnumerable(new[] { new { ImagePath = "x.png" } });
        var e1 = Assert.ThrowsExactly<ArgumentException>(() => new GeoImageFeaturizerEstimator(ml, featurizer.EncoderOnnx).Fit(rgbRows));
        StringAssert.Contains(e1.Message, "13 channels");
        var fourBands = ml.Data.LoadSceneWindows(SceneWindowSampler.Random([GeoScene.FromSentinel2(Msi("bercy"), "B02,B03,B04,B08")], Size, 4, 1));
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => new GeoImageFeaturizerEstimator(ml, featurizer.EncoderOnnx, imageColumnName: "Image").Fit(fourBands));
        StringAssert.Contains(e2.Message, "[4, 32, 32]");
        // Band names that do not match the column, and bands on an image column.
        var options = Options(null, ["B02", "B03"], 10000f);
        var e3 = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GeoContrastivePretrain(options).Fit(data));
        StringAssert.Contains(e3.Message, "13 channels");
        var onImages = TileRows.TinyOptions(epochs: 1);
        onImages.Bands = ["B02", "B03", "B04"];
        var e4 = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GeoContrastivePretrain(onImages).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64))));
        StringAssert.Contains(e4.Message, "tensor column");
    }
}
