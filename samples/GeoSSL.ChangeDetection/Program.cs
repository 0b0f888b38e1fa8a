// Change detection end to end with ml.Transforms.GeoChangeDetection on real OSCD cities (Sentinel-2, two dates, urban
// change masks): cut the cities into tiles, train a siamese U-Net on two cities, validate on a third, score a held-out
// city (precision, recall, F1), draw overlays, save the model, and reload it with plain Model.Load.
//
//   dotnet run --project samples/GeoSSL.ChangeDetection -c Release [-- --data ../shared/data/oscd-change]
//        [--train hongkong,abudhabi] [--validation mumbai] [--test beihai] [--epochs 8] [--windows 256] [--width 32]
//        [--encoder FILE] [--bgr true] [--out runs/change-sample]
//
// OSCD's change labels are CC BY-NC-SA (non-commercial): the data stays in ../shared and is read from there, never copied.
// Defaults take about a minute on 2 CPU cores; more --epochs/--windows and --width 64 (or an --encoder) score higher.
using GeoSSL.MLNet;
using GeoSSL.MLNet.ChangeDetection;
using Microsoft.ML;
using Microsoft.ML.Data;

var options = Args.Parse(args);
string Option(string name, string fallback) => options.GetValueOrDefault(name) ?? fallback;
string data = Path.GetFullPath(options.GetValueOrDefault("data") ?? Args.FindUp("../shared/data/oscd-change"));
if (!File.Exists(Path.Combine(data, "manifest.csv")))
{
    Console.Error.WriteLine($"OSCD change data not found at '{data}': pass --data FOLDER (city folders with t1.png, t2.png, change.png).");
    return 2;
}
string outDir = Path.GetFullPath(Option("out", "runs/change-sample"));
Directory.CreateDirectory(outDir);
const int TileSize = 64;
var clock = System.Diagnostics.Stopwatch.StartNew();
var ml = new MLContext(seed: 1);

// 1. Tiles: every city cut into a grid of 64 px tiles, both dates as RGB tensors and the mask as bytes.
List<Tile> Cut(string cities) => cities.Split(',').SelectMany(city => Tiles.Cut(Path.Combine(data, city), TileSize)).ToList();
var (train, validation, test) = (Cut(Option("train", "hongkong,abudhabi")), Cut(Option("validation", "mumbai")), Cut(Option("test", "beihai")));
Console.WriteLine($"Tiles: {train.Count} train, {validation.Count} validation, {test.Count} test ({clock.Elapsed.TotalSeconds:F1}s)");

// 2. Train. Change is rare (0.3-4% of pixels): the trainer draws tiles with change more often and balances the loss.
var detector = ml.Transforms.GeoChangeDetection(new GeoChangeDetectionEstimator.Options
{
    ImageSize = TileSize,
    BaseWidth = int.Parse(Option("width", "32")),        // ResNet-18 at half width: CPU-sized
    InitialEncoderPath = options.GetValueOrDefault("encoder"), // ImageNet ONNX, state dict or GeoSSL checkpoint; null = random
    InitialWeightsReverseChannels = Option("bgr", "false") == "true", // true for ML.NET's ResNet18.onnx (BGR)
    Epochs = int.Parse(Option("epochs", "8")),
    WindowsPerEpoch = int.Parse(Option("windows", "256")),
    ValidationSet = Tiles.Load(ml, validation, TileSize),
    EarlyStoppingPatience = 3,                            // keep the epoch with the best validation F1
    Device = "cpu",
    Progress = new Progress<TrainingProgress>(p => { if (p.IsEpochEnd) Console.WriteLine($"  {p}"); }),
});
using var model = detector.Fit(Tiles.Load(ml, train, TileSize));
// The probability at which to call a pixel "changed": the one with the best F1 on the validation city (0.5 otherwise).
var report = detector.LastReport!;
var best = report.BestEpoch is { } b ? report.Epochs[b - 1] : null;
float threshold = (float)(best?.ValidationMetric("threshold_tuned") ?? 0.5);
Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0}s; best epoch {best?.Epoch}: validation F1 {best?.ValidationMetric("f1_tuned"):F3} at change threshold {threshold:F2}");

// 3. Score the held-out city: pooled precision, recall and F1 of the change class over all its pixels.
IDataView testView = Tiles.Load(ml, test, TileSize);
float[][] maps = Tiles.Maps(model.Transform(testView));
var o = ChangeMaps.Evaluate(model.Transform(testView), threshold: threshold);
Console.WriteLine($"Test {Option("test", "beihai")}: precision {o.Precision:F3} recall {o.Recall:F3} F1 {o.F1:F3} IoU {o.IoU:F3}");

// 4. Overlays of the test tiles with the most change: hits green, false alarms red, misses magenta.
var mostChange = Tiles.Load(ml, test.OrderByDescending(t => t.Mask.Sum(m => m)).Take(6).ToList(), TileSize);
var overlays = ChangeMaps.WriteOverlays(ml, model.Transform(mostChange), Path.Combine(outDir, "overlays"), threshold: threshold, maxRows: 6);
Console.WriteLine($"Overlays: {overlays.Count} PNGs in {Path.Combine(outDir, "overlays")}");

// 5. Save (stock ML.NET transforms with the ONNX detector inside), reload with plain ML.NET, compare the maps.
string modelPath = Path.Combine(outDir, "change.zip");
ml.Model.Save(model, testView.Schema, modelPath);
var app = new MLContext();
// Disposing a loaded model deletes the temporary copy of the ONNX detector that loading writes.
using var loaded = (TransformerChain<ITransformer>)app.Model.Load(modelPath, out _);
float[][] reloaded = Tiles.Maps(loaded.Transform(Tiles.Load(app, test, TileSize)));
bool same = maps.Zip(reloaded).All(p => p.First.AsSpan().SequenceEqual(p.Second));
Console.WriteLine($"Saved {modelPath}; reloaded model gives {(same ? "the same" : "DIFFERENT")} maps on {reloaded.Length} tiles");
Console.WriteLine($"Total time {clock.Elapsed.TotalSeconds:F1}s");
return same ? 0 : 1;

/// <summary>One tile: both dates as planar RGB [3, S, S] (0..255) and the change mask (S*S, 1 = change).</summary>
public sealed class Tile
{
    public float[] Image1 { get; set; } = [];
    public float[] Image2 { get; set; } = [];
    public byte[] Mask { get; set; } = [];
}

static class Tiles
{
    /// <summary>A grid of size x size tiles over an OSCD city folder (t1.png, t2.png, change.png on one grid).</summary>
    public static IEnumerable<Tile> Cut(string city, int size)
    {
        using var t1 = MLImage.CreateFromFile(Path.Combine(city, "t1.png"));
        using var t2 = MLImage.CreateFromFile(Path.Combine(city, "t2.png"));
        using var change = MLImage.CreateFromFile(Path.Combine(city, "change.png"));
        var tiles = new List<Tile>();
        for (int y = 0; y + size <= t1.Height; y += size)
            for (int x = 0; x + size <= t1.Width; x += size)
            {
                var mask = Rgb(change, x, y, size);
                tiles.Add(new Tile { Image1 = Rgb(t1, x, y, size), Image2 = Rgb(t2, x, y, size), Mask = mask[..(size * size)].Select(v => (byte)(v > 0 ? 1 : 0)).ToArray() });
            }
        return tiles;
    }

    /// <summary>Planar RGB samples of one window of a decoded image (MLImage holds 4 bytes per pixel, BGRA or RGBA).</summary>
    private static float[] Rgb(MLImage image, int x0, int y0, int size)
    {
        var pixels = image.Pixels;
        int red = image.PixelFormat == MLPixelFormat.Bgra32 ? 2 : 0, plane = size * size;
        var rgb = new float[3 * plane];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int i = ((y0 + y) * image.Width + x0 + x) * 4;
                rgb[y * size + x] = pixels[i + red];
                rgb[plane + y * size + x] = pixels[i + 1];
                rgb[2 * plane + y * size + x] = pixels[i + 2 - red];
            }
        return rgb;
    }

    /// <summary>Tiles as an IDataView; the vector sizes are declared here because they depend on the tile size.</summary>
    public static IDataView Load(MLContext ml, IReadOnlyList<Tile> tiles, int size)
    {
        var schema = SchemaDefinition.Create(typeof(Tile));
        schema[nameof(Tile.Image1)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, size, size);
        schema[nameof(Tile.Image2)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, size, size);
        schema[nameof(Tile.Mask)].ColumnType = new VectorDataViewType(NumberDataViewType.Byte, size * size);
        return ml.Data.LoadFromEnumerable(tiles, schema);
    }

    /// <summary>The ChangeProbability column: one float per pixel per tile.</summary>
    public static float[][] Maps(IDataView scored) =>
        scored.GetColumn<VBuffer<float>>("ChangeProbability").Select(v => v.DenseValues().ToArray()).ToArray();
}

static class Args
{
    /// <summary>"--name value" pairs.</summary>
    public static Dictionary<string, string> Parse(string[] args) =>
        Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i].TrimStart('-'), i => args[2 * i + 1]);

    /// <summary>A path relative to the repository root, found from the program's folder upwards.</summary>
    public static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GeoSSL.MLNet.sln"))) return Path.GetFullPath(Path.Combine(dir.FullName, relative));
        return relative;
    }
}
