using GeoSSL.MLNet;
using GeoSSL.MLNet.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

// Adapt ImageNet weights to geo-tagged tiles (MoCo-v2 + geo pretext + temporal positives), then featurize labelled
// land-cover patches with the encoder and fit an ordinary ML.NET classifier on the features. Run from the repository root.
var ml = new MLContext(seed: 1);
IDataView tiles = ml.Data.LoadGeoManifest("samples/data/oscd-subset/manifest.csv", timestampColumnName: "Date");
var options = GeoContrastivePretrainEstimator.Options.FromImageNet(); // ImageNet start, gentle geo-aware adaptation, layer1-4 mean+std features
options.TimestampColumnName = "Timestamp";
options.Epochs = 1; options.QueueSize = 128; options.GeoClusters = 16;  // sized for the 320 bundled tiles
options.OnnxExportPath = "runs/quickstart/encoder.onnx"; options.OverwriteExistingOutputs = true;
options.Progress = new Progress<TrainingProgress>(p => { if (p.IsEpochEnd) Console.WriteLine(p); });
var pretrain = ml.Transforms.GeoContrastivePretrain(options);
using var featurizer = pretrain.Fit(tiles);
ml.Model.Save(featurizer, tiles.Schema, "runs/quickstart/featurizer.zip");

var patches = ml.Data.LoadFromTextFile("samples/data/eurosat-subset/manifest.csv",
    [new TextLoader.Column("ImagePath", DataKind.String, 0), new TextLoader.Column("Label", DataKind.String, 1)], ',', hasHeader: true);
var split = ml.Data.TrainTestSplit(patches, testFraction: 0.2, seed: 1);
var features = ml.Transforms.GeoFeaturizeImage("runs/quickstart/encoder.onnx", imageFolder: "samples/data/eurosat-subset").Fit(patches);
var probe = LinearProbe.Run(ml, features.Transform(split.TrainSet), features.Transform(split.TestSet));
Console.WriteLine($"Linear probe on {probe.Report.Count} held-out EuroSAT patches: top-1 {100 * probe.Report.MicroAccuracy:F1}% (10 classes)");
