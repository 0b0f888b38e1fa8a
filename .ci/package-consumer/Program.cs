// A brand-new consumer of GeoSSL.MLNet (by package as a NuGet user has it, or by project path as a clone uses it; only the
// public API): pretrain on the bundled tiles for one epoch, featurize, save with ML.NET, reload, same features.
using GeoSSL.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

string tiles = args[0]; // samples/data/oscd-subset of the repository
var ml = new MLContext(seed: 1);
// The library's manifest loader: ImagePath resolved against the folder, the Date column read as Timestamp.
var data = ml.Data.LoadGeoManifest(Path.Combine(tiles, "manifest.csv"), timestampColumnName: "Date");
var estimator = ml.Transforms.GeoContrastivePretrain(new GeoContrastivePretrainEstimator.Options
{
    TimestampColumnName = "Timestamp", Architecture = ResNetDepth.ResNet18, BaseWidth = 16,
    ImageSize = 32, BatchSize = 64, QueueSize = 256, Epochs = 1, GeoClusters = 8, Device = "cpu",
});
var featurizer = estimator.Fit(data);
string zip = Path.Combine(Path.GetTempPath(), $"geossl-consumer-{Environment.ProcessId}.zip");
ml.Model.Save(featurizer, data.Schema, zip);
var loaded = new MLContext().Model.Load(zip, out _);
float[] First(ITransformer model) => ml.Data.CreateEnumerable<Features>(model.Transform(ml.Data.TakeRows(data, 1)), reuseRowObject: false).First().Values;
float[] a = First(featurizer), b = First(loaded);
if (a.Length == 0 || !a.SequenceEqual(b)) { Console.Error.WriteLine($"FAIL: reloaded features differ ({a.Length} vs {b.Length} floats)"); return 1; }
Console.WriteLine($"OK: {estimator.LastReport!.Epochs.Count} epoch, loss {estimator.LastReport.Epochs[0].Loss:F3}, {a.Length} features, same after reload");
return 0;

public sealed class Features
{
    [ColumnName("Features")] public float[] Values { get; set; } = [];
}
