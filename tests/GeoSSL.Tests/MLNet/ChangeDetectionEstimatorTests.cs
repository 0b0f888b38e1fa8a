using GeoSSL.Core.Classification;
using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.ChangeDetection;
using GeoSSL.MLNet.Featurizer;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;
using ChangeFusion = GeoSSL.MLNet.ChangeDetection.ChangeFusion;
using static TorchSharp.torch;

namespace GeoSSL.Tests.MLNet;

/// <summary>A change-detection row as an ML.NET user would declare it: two co-registered tiles and their mask.</summary>
public sealed class ChangeRow
{
    public string Image1 { get; set; } = "";
    public string Image2 { get; set; } = "";
    public string Mask { get; set; } = "";
}

/// <summary>The same tiles as tensors [3, H, W] (0..255) and the mask as a byte vector [H * W].</summary>
public sealed class ChangeTensorRow
{
    [VectorType(3, 64, 64)] public float[] Image1 { get; set; } = [];
    [VectorType(3, 64, 64)] public float[] Image2 { get; set; } = [];
    [VectorType(64 * 64)] public byte[] Mask { get; set; } = [];
}

/// <summary>
/// mlContext.Transforms.GeoChangeDetection on real OSCD data (issue 17): 64 px tiles of t1/t2/change cut from whole cities
/// into a temp folder, two tiny epochs (ResNet-18 width 16), then the stock chain's output against TorchSharp, Model.Save/Load,
/// overlays and the named errors.
/// </summary>
[TestClass]
public sealed class ChangeDetectionEstimatorTests
{
    private const int Size = 64;
    private static string ChangeFolder => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-change"));
    private static string folder = null!;
    private static List<ChangeRow> trainRows = null!, validationRows = null!;
    private static MLContext ml = null!;
    private static GeoChangeDetectionTransformer model = null!;
    private static GeoChangeDetectionReport report = null!;
    private static string checkpoint = null!;
    private static readonly List<TrainingProgress> progress = [];

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void FitOnce(TestContext _)
    {
        folder = TestData.TempFolder("change-estimator");
        var scenes = DenseScene.FromOscdChange(ChangeFolder, ["bercy", "nantes", "pisa"]);
        trainRows = scenes.Take(2).SelectMany(s => CutTiles(s, 6)).ToList();
        validationRows = CutTiles(scenes[2], 3).ToList();
        ml = new MLContext(seed: 1);
        checkpoint = Path.Combine(folder, "train.ckpt");
        GeoChangeDetectionEstimator.Options options = Options() with { ValidationSet = ml.Data.LoadFromEnumerable(validationRows), TrainingCheckpointPath = checkpoint };
        options.Progress = new Sync(progress.Add);
        var estimator = ml.Transforms.GeoChangeDetection(options);
        model = estimator.Fit(ml.Data.LoadFromEnumerable(trainRows));
        report = estimator.LastReport!;
    }

    [ClassCleanup]
    public static void Cleanup() => model?.Dispose();

    private static OptionsBuilder Options() => new();

    private sealed class Sync(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>Tiny, CPU-cheap options (records cannot `with` a class, so a small builder keeps the call sites short).</summary>
    private sealed record OptionsBuilder
    {
        public IDataView? ValidationSet { get; init; }
        public string? TrainingCheckpointPath { get; init; }
        public static implicit operator GeoChangeDetectionEstimator.Options(OptionsBuilder b) => new()
        {
            Architecture = GeoSSL.MLNet.ResNetDepth.ResNet18, BaseWidth = 16, ImageSize = Size, BatchSize = 8, Epochs = 2,
            LearningRate = 0.02, Device = "cpu", Seed = 3, ValidationSet = b.ValidationSet, TrainingCheckpointPath = b.TrainingCheckpointPath,
        };
    }

    /// <summary>
    /// The <paramref name="changed"/> 64 px grid tiles with the most change and one without any, written as t1/t2 PNGs (the
    /// plain image: ChangeOverlay at opacity 0) and a 0/255 mask PNG under the temp folder.
    /// </summary>
    private static IEnumerable<ChangeRow> CutTiles(DenseScene scene, int changed)
    {
        var tiles = new List<(int X, int Y, int Change)>();
        for (int y = 0; y + Size <= scene.Height; y += Size)
            for (int x = 0; x + Size <= scene.Width; x += Size)
            {
                int change = 0;
                for (int j = 0; j < Size; j++) for (int i = 0; i < Size; i++) change += scene[y + j, x + i];
                tiles.Add((x, y, change));
            }
        var picked = tiles.OrderByDescending(t => t.Change).Take(changed).Append(tiles.First(t => t.Change == 0)).ToList();
        Assert.IsTrue(picked.Take(changed).All(t => t.Change > 0), $"{scene.Name} has {changed} tiles with change");
        foreach (var (x, y, _) in picked)
        {
            string name = $"{scene.Name}_{x}_{y}";
            var dates = Enumerable.Range(0, 2).Select(d => Tile(scene.Scene.Samples(d).Span, scene.Scene.Channels, scene.Width, x, y)).ToArray();
            var mask = new byte[Size * Size];
            for (int j = 0; j < Size; j++) for (int i = 0; i < Size; i++) mask[j * Size + i] = scene[y + j, x + i];
            var row = new ChangeRow { Image1 = Path.Combine(folder, name + "_t1.png"), Image2 = Path.Combine(folder, name + "_t2.png"), Mask = Path.Combine(folder, name + "_mask.png") };
            var none = new byte[Size * Size];
            ChangeOverlay.Write(row.Image1, dates[0], Size, Size, none, none, opacity: 0);
            ChangeOverlay.Write(row.Image2, dates[1], Size, Size, none, none, opacity: 0);
            MaskPng.WriteMask(row.Mask, mask, Size, Size);
            yield return row;
        }
    }

    private static float[] Tile(ReadOnlySpan<float> samples, int channels, int width, int x, int y)
    {
        int height = samples.Length / channels / width;
        var tile = new float[channels * Size * Size];
        for (int c = 0; c < channels; c++)
            for (int j = 0; j < Size; j++)
                samples.Slice((c * height + y + j) * width + x, Size).CopyTo(tile.AsSpan((c * Size + j) * Size, Size));
        return tile;
    }

    private static float[][] Column(IDataView data, string column)
    {
        var col = data.Schema[column];
        using var cursor = data.GetRowCursor(new[] { col });
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> v = default;
        var rows = new List<float[]>();
        while (cursor.MoveNext()) { getter(ref v); rows.Add(v.DenseValues().ToArray()); }
        return rows.ToArray();
    }

    [TestMethod]
    public void ChangeDetectionEstimator_AddsAProbabilityMapOfTheTileShape()
    {
        var data = ml.Data.LoadFromEnumerable(trainRows);
        var output = model.Transform(data);
        var type = (VectorDataViewType)output.Schema["ChangeProbability"].Type;
        Assert.AreEqual(NumberDataViewType.Single, type.ItemType);
        CollectionAssert.AreEqual(new[] { Size, Size }, type.Dimensions.ToArray());
        Assert.IsNull(output.Schema.GetColumnOrNull(ChangeChainBuilder.Pixels1), "temporaries are dropped");
        // The schema promised before training is the one after.
        var promised = ml.Transforms.GeoChangeDetection(Options()).GetOutputSchema(GeoSSL.Tests.Classification.GeoImageClassifierTests.Shape(data.Schema));
        var column = promised.Single(c => c.Name == "ChangeProbability");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, column.Kind);
        Assert.AreEqual(NumberDataViewType.Single, column.ItemType);

        var maps = Column(output, "ChangeProbability");
        Assert.HasCount(trainRows.Count, maps);
        var all = maps.SelectMany(m => m).ToArray();
        Assert.IsTrue(all.All(p => p is >= 0f and <= 1f), "probabilities in [0, 1]");
        Assert.IsGreaterThan(0.05f, all.Max() - all.Min(), "the map is not constant");

        Assert.HasCount(2, report.Result.Epochs);
        Assert.AreEqual(2 * 2, report.Result.StepLosses.Count, "14 rows -> 2 batches of 8 per epoch");
        Assert.IsTrue(report.Result.StepLosses.All(float.IsFinite));
        Assert.IsNotNull(report.Result.Epochs[^1].Validation!["f1"]);
        Assert.AreEqual((long)validationRows.Count * Size * Size, report.Validation!.Overall.Total, "every validation pixel scored once");
        var epochEnds = progress.Where(p => p.IsEpochEnd).ToList();
        Assert.HasCount(2, epochEnds, "Progress gets every epoch end");
        Assert.IsTrue(epochEnds.All(p => p.Validation!.ContainsKey("f1") && p.Metrics.ContainsKey("loss")));
        TestContext.WriteLine($"validation after 2 tiny epochs: {string.Join(", ", report.Result.Epochs[^1].Validation!.Select(m => $"{m.Key} {m.Value:F3}"))}");
    }

    [TestMethod]
    public void ChangeDetectionEstimator_StockChainMatchesTheTorchSharpModel()
    {
        var data = ml.Data.LoadFromEnumerable(trainRows.Take(4).ToList());
        var onnxMaps = Column(model.Transform(data), "ChangeProbability");
        // The pixels the chain feeds the graph, through the same stock transforms; on tiles of the right size they are the PNG's bytes.
        var pixels = new[] { ("Image1", "T.Date1."), ("Image2", "T.Date2.") }.Select(c =>
            Column(ImagePixelsChain.Create(ml.Transforms, c.Item1, ImageColumnKind.Path, null, Size, Size, c.Item2, true, out _).Fit(data).Transform(data), c.Item2 + "Pixels")).ToArray();
        var decoded = new byte[3 * Size * Size];
        ImageDecoder.DecodeRgbPlanar(trainRows[0].Image2, Size, Size, decoded);
        CollectionAssert.AreEqual(decoded.Select(b => (float)b).ToArray(), pixels[1][0], "ResizeImages at the tile's own size keeps the pixels");

        using var dense = new DenseModel(DenseModelOptions.Change(report.Encoder, GeoSSL.Core.Dense.ChangeFusion.Difference));
        using (var optimizer = new MomentumSgd(dense.TrainableParameters(), 0.9, 1e-4))
        using (TrainingCheckpoint.Load(checkpoint, dense, optimizer)) { } // the run's final weights (no early stopping: nothing restored)
        dense.eval();
        double max = 0;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var mean = tensor(report.Input.Mean!, new long[] { 1, 3, 1, 1 });
            var std = tensor(report.Input.Std!, new long[] { 1, 3, 1, 1 });
            Tensor Batch(float[][] rows) => (tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, 3, Size, Size }) / 255f - mean) / std;
            var expected = nn.functional.softmax(dense.Forward(Batch(pixels[0]), Batch(pixels[1])), 1)[.., 1].contiguous().data<float>().ToArray();
            var actual = onnxMaps.SelectMany(m => m).ToArray();
            Assert.HasCount(expected.Length, actual);
            for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }
        TestContext.WriteLine($"stock chain vs TorchSharp: max |diff| = {max:E2}");
        Assert.IsLessThanOrEqualTo(1e-4, max);
    }

    [TestMethod]
    public void ChangeDetectionEstimator_SavedModelLoadsWithPlainMLNet_AndGivesIdenticalMaps()
    {
        var data = ml.Data.LoadFromEnumerable(trainRows);
        string path = Path.Combine(folder, "change.zip");
        ml.Model.Save(model, data.Schema, path);
        var fresh = new MLContext(seed: 5);
        var loaded = fresh.Model.Load(path, out _);
        var chain = (TransformerChain<ITransformer>)loaded;
        Assert.IsFalse(chain.Any(t => t.GetType().Assembly.GetName().Name!.StartsWith("GeoSSL")), "only ML.NET's own transforms");
        var expected = Column(model.Transform(data), "ChangeProbability");
        var actual = Column(loaded.Transform(fresh.Data.LoadFromEnumerable(trainRows)), "ChangeProbability");
        Assert.HasCount(expected.Length, actual);
        for (int r = 0; r < expected.Length; r++) CollectionAssert.AreEqual(expected[r], actual[r], $"row {r}");
    }

    [TestMethod]
    public void ChangeDetectionEstimator_WritesOverlaysOfPredictedVsTrueChange()
    {
        var data = ml.Data.LoadFromEnumerable(trainRows.Take(1).ToList());
        var output = model.Transform(data);
        string overlays = Path.Combine(folder, "overlays");
        var files = ChangeMaps.WriteOverlays(ml, output, overlays, maxRows: 5);
        Assert.HasCount(1, files);
        TestContext.WriteLine($"overlay: {files[0]}");

        // The same picture drawn directly from the tile, the mask and the probabilities.
        var rgb = new byte[3 * Size * Size];
        ImageDecoder.DecodeRgbPlanar(trainRows[0].Image2, Size, Size, rgb);
        var truth = new byte[3 * Size * Size];
        ImageDecoder.DecodeRgbPlanar(trainRows[0].Mask, Size, Size, truth);
        var probability = Column(output, "ChangeProbability")[0];
        string expected = Path.Combine(folder, "expected-overlay.png");
        ChangeOverlay.Write(expected, rgb.Select(b => (float)b).ToArray(), Size, Size, truth[..(Size * Size)].Select(v => (byte)(v != 0 ? 1 : 0)).ToArray(), probability, 0.5f);
        Assert.IsTrue(truth.Any(v => v != 0), "the row has change to colour");
        var (a, b) = (new byte[3 * Size * Size], new byte[3 * Size * Size]);
        ImageDecoder.DecodeRgbPlanar(files[0], Size, Size, a);
        ImageDecoder.DecodeRgbPlanar(expected, Size, Size, b);
        CollectionAssert.AreEqual(b, a);
        CollectionAssert.AreNotEqual(rgb, a, "the colours are drawn over the image");
    }

    [TestMethod]
    public void ChangeDetectionEstimator_TensorColumnsAndAVectorMask_TrainExactlyLikeFiles()
    {
        // The PNG route's pixels are the files' bytes, so the same rows as tensors and 0/1 byte masks must give the same run.
        static float[] Pixels(string path)
        {
            var bytes = new byte[3 * Size * Size];
            ImageDecoder.DecodeRgbPlanar(path, Size, Size, bytes);
            return bytes.Select(b => (float)b).ToArray();
        }
        var rows = trainRows.Select(r => new ChangeTensorRow
        {
            Image1 = Pixels(r.Image1), Image2 = Pixels(r.Image2), Mask = Pixels(r.Mask)[..(Size * Size)].Select(v => (byte)(v != 0 ? 1 : 0)).ToArray(),
        }).ToList();
        Assert.IsTrue(rows.Any(r => r.Mask.Any(m => m == 1)), "the masks hold change");
        var estimator = ml.Transforms.GeoChangeDetection(Options());
        using var tensorModel = estimator.Fit(ml.Data.LoadFromEnumerable(rows));
        CollectionAssert.AreEqual(report.Result.StepLosses.ToArray(), estimator.LastReport!.Result.StepLosses.ToArray());
        var maps = Column(tensorModel.Transform(ml.Data.LoadFromEnumerable(rows)), "ChangeProbability");
        var fromFiles = Column(model.Transform(ml.Data.LoadFromEnumerable(trainRows)), "ChangeProbability");
        for (int r = 0; r < maps.Length; r++) CollectionAssert.AreEqual(fromFiles[r], maps[r], $"row {r}");
    }

    [TestMethod]
    public void ChangeDetectionEstimator_StartsFromAStateDict_AndAFrozenEncoderKeepsIt()
    {
        string weights = GeoSSL.Tests.Import.TorchStateDictImporterTests.PlainStateDict;
        string ckpt = Path.Combine(TestData.TempFolder("change-init"), "train.ckpt");
        GeoChangeDetectionEstimator.Options options = Options() with { TrainingCheckpointPath = ckpt };
        options.InitialEncoderPath = weights;
        options.FreezeEncoder = true;
        var estimator = ml.Transforms.GeoChangeDetection(options);
        using var frozen = estimator.Fit(ml.Data.LoadFromEnumerable(trainRows));
        using var file = GeoSSL.Core.Import.InitialWeights.Load(weights);
        Assert.AreEqual(file.Options, estimator.LastReport!.Encoder, "the file's layout replaces Architecture/BaseWidth");

        using var dense = new DenseModel(DenseModelOptions.Change(file.Options) with { FreezeEncoder = true });
        using (var optimizer = new MomentumSgd(dense.TrainableParameters(), 0.9, 1e-4))
        using (TrainingCheckpoint.Load(ckpt, dense, optimizer)) { }
        var expected = file.state_dict();
        foreach (var (name, value) in dense.Encoder.state_dict())
            Assert.IsTrue(value.eq(expected[name]).all().item<bool>(), $"encoder.{name} is the file's");
        Assert.IsTrue(estimator.LastReport.Result.StepLosses.All(float.IsFinite));
    }

    [TestMethod]
    public void ChangeDetectionEstimator_ImageColumnsFromLoadImages_TrainExactlyLikePaths()
    {
        var load = ml.Transforms.LoadImages("Before", null, "Image1").Append(ml.Transforms.LoadImages("After", null, "Image2"));
        var data = load.Fit(ml.Data.LoadFromEnumerable(trainRows)).Transform(ml.Data.LoadFromEnumerable(trainRows));
        GeoChangeDetectionEstimator.Options options = Options();
        options.Image1ColumnName = "Before";
        options.Image2ColumnName = "After";
        var estimator = ml.Transforms.GeoChangeDetection(options);
        using var fromImages = estimator.Fit(data);
        CollectionAssert.AreEqual(report.Result.StepLosses.ToArray(), estimator.LastReport!.Result.StepLosses.ToArray());
        Assert.HasCount(trainRows.Count, Column(fromImages.Transform(data), "ChangeProbability"));
    }

    [TestMethod]
    public void ChangeDetectionEstimator_ResumesFromItsTrainingCheckpoint_AndRefusesOtherSettings()
    {
        // The class's run is finished: resuming it trains nothing and returns the same weights and losses.
        GeoChangeDetectionEstimator.Options same = Options() with { ValidationSet = ml.Data.LoadFromEnumerable(validationRows) };
        same.ResumeFromTrainingCheckpoint = checkpoint;
        var estimator = ml.Transforms.GeoChangeDetection(same);
        using var resumed = estimator.Fit(ml.Data.LoadFromEnumerable(trainRows));
        CollectionAssert.AreEqual(report.Result.StepLosses.ToArray(), estimator.LastReport!.Result.StepLosses.ToArray());
        var data = ml.Data.LoadFromEnumerable(trainRows.Take(2).ToList());
        var expected = Column(model.Transform(data), "ChangeProbability");
        var actual = Column(resumed.Transform(data), "ChangeProbability");
        for (int r = 0; r < expected.Length; r++) CollectionAssert.AreEqual(expected[r], actual[r], $"row {r}");

        GeoChangeDetectionEstimator.Options other = Options() with { ValidationSet = ml.Data.LoadFromEnumerable(validationRows) };
        other.ResumeFromTrainingCheckpoint = checkpoint;
        other.LearningRate = 0.5;
        var e = Assert.Throws<Exception>(() => ml.Transforms.GeoChangeDetection(other).Fit(ml.Data.LoadFromEnumerable(trainRows)));
        StringAssert.Contains(e.Message, checkpoint);
    }

    [TestMethod]
    public void ChangeDetectionEstimator_MissingColumn_IsNamed()
    {
        var rows = trainRows.Select(r => new { r.Image1, r.Image2 }).ToList();
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GeoChangeDetection(Options()).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "'Mask'");
        StringAssert.Contains(e.Message, "MaskColumnName");
        var shape = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GeoChangeDetection(new GeoChangeDetectionEstimator.Options { Image2ColumnName = "After" })
            .GetOutputSchema(GeoSSL.Tests.Classification.GeoImageClassifierTests.Shape(ml.Data.LoadFromEnumerable(trainRows).Schema)));
        StringAssert.Contains(shape.Message, "'After'");
    }

    [TestMethod]
    public void ChangeDetectionEstimator_MaskOfAnotherSize_NamesRowAndFile()
    {
        string mask = Path.Combine(TestData.TempFolder("change-bad-mask"), "mask80.png");
        MaskPng.WriteMask(mask, new byte[80 * 80], 80, 80);
        var rows = trainRows.Take(3).Select((r, i) => i == 2 ? new ChangeRow { Image1 = r.Image1, Image2 = r.Image2, Mask = mask } : r).ToList();
        var e = Assert.ThrowsExactly<GeoDataException>(() => ml.Transforms.GeoChangeDetection(Options()).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "Row 2");
        StringAssert.Contains(e.Message, mask);
        StringAssert.Contains(e.Message, "80x80");
        Assert.AreEqual(2L, e.Row);
        Assert.AreEqual(mask, e.FilePath);
    }

    [TestMethod]
    public void ChangeDetectionEstimator_DatesOfDifferentSizes_AreRefusedWithRowAndFile()
    {
        string big = Path.Combine(TestData.TempFolder("change-bad-date"), "t2_80.png");
        var none = new byte[80 * 80];
        ChangeOverlay.Write(big, new float[3 * 80 * 80], 80, 80, none, none, opacity: 0);
        var rows = trainRows.Take(2).Select((r, i) => i == 1 ? new ChangeRow { Image1 = r.Image1, Image2 = big, Mask = r.Mask } : r).ToList();
        var e = Assert.ThrowsExactly<GeoDataException>(() => ml.Transforms.GeoChangeDetection(Options()).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "Row 1");
        StringAssert.Contains(e.Message, big);
        StringAssert.Contains(e.Message, "80x80");
        StringAssert.Contains(e.Message, "64x64");

        // Both dates of one size, but not ImageSize: refused too, not cropped.
        var bothBig = trainRows.Take(1).Select(r => new ChangeRow { Image1 = big, Image2 = big, Mask = r.Mask }).ToList();
        var size = Assert.ThrowsExactly<GeoDataException>(() => ml.Transforms.GeoChangeDetection(Options()).Fit(ml.Data.LoadFromEnumerable(bothBig)));
        StringAssert.Contains(size.Message, "ImageSize is 64");
    }
}
