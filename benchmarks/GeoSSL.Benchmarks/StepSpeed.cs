using System.Diagnostics;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Where one pretraining step spends its time, part by part (augmentation of both views, query forward+backward,
/// key forward), at a given input size, batch and number of frozen stages. Explains images/s of the ablation runs.
/// </summary>
internal static class StepSpeed
{
    public static void Run(BenchmarkArgs args)
    {
        int size = args.Int("size", 64), batch = args.Int("batch", 128), frozen = args.Int("frozen-stages", 0), reps = args.Int("reps", 3);
        int groups = args.Int("bn-groups", 4);
        bool freezeBn = args.Flag("freeze-bn");
        // As the trainers do, unless --no-heap-reuse (to measure what HeapReuse buys).
        bool heapReuse = !args.Flag("no-heap-reuse") && GeoSSL.Core.Devices.HeapReuse.Apply();
        torch.manual_seed(1);
        var depth = args.Int("depth", 18) == 50 ? ResNetDepth.ResNet50 : ResNetDepth.ResNet18;
        using var model = new GeoMoco(new MocoOptions { Encoder = new ResNetOptions { Depth = depth }, QueueSize = 1024, Momentum = 0.99, GeoClasses = 100 });
        var device = GeoSSL.Core.Devices.DeviceSelector.Resolve(args.Get("device", "auto"));
        model.to(device);
        model.train();
        if (freezeBn) model.FreezeBatchNormStatistics();
        if (frozen > 0) model.FreezeLeadingStages(frozen);
        var augmentation = new AugmentationOptions { OutputSize = size };
        if (args.Flag("no-blur")) augmentation = augmentation with { BlurProbability = 0 };
        if (args.Flag("no-jitter")) augmentation = augmentation with { ColorJitterProbability = 0, GrayscaleProbability = 0 };
        var augmenter = new BatchAugmenter(augmentation, 3);
        var rng = new Random(1);
        using var tiles = torch.rand(batch, 3, 64, 64);
        Console.WriteLine($"Step parts: {depth}, {size} px, batch {batch}, frozen stages {frozen}, BatchNorm {(freezeBn ? "frozen" : "training")}, " +
                          $"{groups} BatchNorm groups, heap reuse {(heapReuse ? "on" : "off")}, {Environment.ProcessorCount} cores, {torch.get_num_threads()} torch threads");
        Console.WriteLine("| part | ms per step | images/s |");
        Console.WriteLine("|---|---|---|");
        double total = 0;
        void Report(string part, Action body)
        {
            body(); // warm-up
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) body();
            double ms = sw.Elapsed.TotalMilliseconds / reps;
            total += ms;
            Console.WriteLine($"| {part} | {ms:F0} | {batch * 1000.0 / ms:F1} |");
        }
        Report("augment one view", () => { using var _ = NewDisposeScope(); augmenter.Apply(tiles, rng); });
        Report("augment second view", () => { using var _ = NewDisposeScope(); augmenter.Apply(tiles, rng); });
        using var x = augmenter.Apply(tiles, rng).detach();
        Report("query forward + backward", () =>
        {
            using var _ = NewDisposeScope();
            var (_, projection) = model.EncodeQuery(x, groups);
            projection.pow(2).mean().backward();
            model.zero_grad();
        });
        var shuffle = Enumerable.Range(0, batch).Select(i => (long)i).ToArray();
        Report("key forward (no grad)", () => { using var _ = NewDisposeScope(); model.EncodeKeys(x, shuffle, groups); });
        Console.WriteLine($"| whole step (sum) | {total:F0} | {batch * 1000.0 / total:F1} |");
    }
}
