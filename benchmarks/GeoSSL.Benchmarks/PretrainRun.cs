using GeoSSL.Core.Engine;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.MLNet;
using Microsoft.ML;
using ResNetDepth = GeoSSL.MLNet.ResNetDepth;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;
using PretrainVariant = GeoSSL.MLNet.PretrainVariant;

namespace GeoSSL.Benchmarks;

/// <summary>One pretraining of a ResNet-18 on the shared OSCD tiles through the public API, as the shared and soak benchmarks run it.</summary>
internal static class PretrainRun
{
    public static GeoPretrainReport Fit(BenchmarkArgs args, int epochs, int? threads, IProgress<TrainingProgress>? progress)
    {
        var ml = new MLContext(seed: 1);
        var tiles = BenchmarkData.OscdTiles(args);
        if (args.Get("max-tiles") is not null) tiles = tiles.Take(args.Int("max-tiles", tiles.Count)).ToList();
        var options = new GeoContrastivePretrainEstimator.Options
        {
            Variant = PretrainVariant.MoCoV2GeoTemporalPositives, TimestampColumnName = "Date", Architecture = ResNetDepth.ResNet18,
            ImageSize = args.Int("size", 64), BatchSize = args.Int("batch", 128), QueueSize = 1024, EncoderMomentum = 0.99,
            Epochs = epochs, Device = "cpu", Threads = threads, ReportEveryNSteps = 0, MonitorEveryNEpochs = 0, Progress = progress,
        };
        var estimator = ml.Transforms.GeoContrastivePretrain(options);
        using var featurizer = estimator.Fit(ml.Data.LoadFromEnumerable(tiles));
        return estimator.LastReport!;
    }
}
