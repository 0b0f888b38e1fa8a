using GeoSSL.MLNet;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

// Pretrain a small encoder on geo-tagged tiles (MoCo-v2 + geo pretext + temporal positives), then featurize labelled
// land-cover patches with it and fit an ordinary ML.NET classifier on the features. Run from the repository root.
var ml = new MLContext(seed: 1);
IDataView tiles = ml.Data.LoadGeoManifest("samples/data/oscd-subset/manifest.csv", timestampColumnName: "Date");
var pretrain = ml.Transforms.GeoContrastivePretrain(new GeoContrastivePretrainEstimator.Options
{
    TimestampColumnName = "Timestamp", Architecture = ResNetDepth.ResNet18, ImageSize = 64, BaseWidth = 32, BatchSize = 64,
    QueueSize = 1024, EncoderMomentum = 0.99, GeoClusters = 16, Epochs = 3, OnnxExportPath = "runs/quickstart/encoder.onnx",
    Progress = new Progress<TrainingProgress>(p => { if (p.IsEpochEnd) Console.WriteLine(p); }),
});
using var featurizer = pretrain.Fit(tiles);
ml.Model.Save(featurizer, tiles.Schema, "runs/quickstart/featurizer.zip");

var patches = ml.Data.LoadFromTextFile("samples/data/eurosat-subset/manifest.csv",
    [new TextLoader.Column("ImagePath", DataKind.String, 0), new TextLoader.Column("Label", DataKind.String, 1)], ',', hasHeader: true);
var split = ml.Data.TrainTestSplit(patches, testFraction: 0.2, seed: 1);
var features = ml.Transforms.GeoFeaturizeImage("runs/quickstart/encoder.onnx", imageFolder: "samples/data/eurosat-subset").Fit(patches);
var probe = LinearProbe.Run(ml, features.Transform(split.TrainSet), features.Transform(split.TestSet));
Console.WriteLine($"Linear probe on {probe.Report.Count} held-out EuroSAT patches: top-1 {100 * probe.Report.MicroAccuracy:F1}% (10 classes)");
