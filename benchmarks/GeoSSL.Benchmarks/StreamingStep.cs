using GeoSSL.Core.Engine;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using GeoSSL.Data.Sampling;
using GeoSSL.Data.Streaming;
using GeoSSL.MLNet.Training;

namespace GeoSSL.Benchmarks;

/// <summary>
/// The training step rate with the images pre-decoded in memory and with the streaming source decoding them while the
/// step runs (ResNet-18 at 64 px), each for a fixed time: does prefetching keep up with the step on this machine?
/// </summary>
internal static class StreamingStep
{
    public sealed record Result(string Description, long InMemorySteps, double InMemoryImagesPerSecond, long StreamingSteps, double StreamingImagesPerSecond);

    public static Result Run(IReadOnlyList<string> files, int batch, PrefetchOptions prefetch, double seconds)
    {
        const int n = 2048, size = StreamingSources.Size;
        var records = Enumerable.Range(0, n).Select(i => new GeoImageRecord(i, files[i % files.Count], $"loc{i / 2}", 0, 0, new DateTime(2016, 1, 1).AddDays(i % 2 * 365))).ToList();
        var pairs = new TemporalPairSampler(records, useTemporalPositives: true);
        var labels = new int[n];
        var config = new PretrainConfig
        {
            Variant = PretrainVariant.MoCoV2TemporalPositives,
            Model = new MocoOptions { Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18 }, QueueSize = 1024, Momentum = 0.99 },
            Augmentation = new AugmentationOptions { OutputSize = size },
            Epochs = 1, BatchSize = batch, LearningRate = 0.03, Seed = 1, ReportEveryNSteps = 1,
        };
        var decoded = DecodedImageSet.FromFiles(records.Select(r => r.ImagePath).ToList(), size, size);
        var (ms, mr) = Time(config, new ImageBatchSource(decoded, pairs, labels), seconds);
        Console.WriteLine($"Step rate in memory: {ms} steps, {mr:F1} images/s");
        using var streaming = new StreamingImageBatchSource(records, pairs, labels, size, size, prefetch);
        var (ss, sr) = Time(config, streaming, seconds);
        Console.WriteLine($"Step rate streaming: {ss} steps, {sr:F1} images/s");
        return new Result($"ResNet-18, {size} px, batch {batch}, MoCoV2TemporalPositives, {seconds:F0} s each, PNG tiles, libtorch threads default", ms, mr, ss, sr);
    }

    /// <summary>Trains until the time is up; images/s over the steps after the first two (warm-up).</summary>
    private static (long Steps, double ImagesPerSecond) Time(PretrainConfig config, IPretrainBatchSource source, double seconds)
    {
        var reports = new List<TrainingProgress>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        using var trainer = new Pretrainer(config, "cpu");
        try { trainer.Train(source, new TrainingRunOptions { CancellationToken = cts.Token, Progress = new SyncProgress(reports.Add) }); }
        catch (OperationCanceledException) { }
        var timed = reports.Where(r => !r.IsEpochEnd && r.Step > 2).ToList();
        return (reports.Count(r => !r.IsEpochEnd), timed.Count == 0 ? double.NaN : timed.Average(r => r.SamplesPerSecond));
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
