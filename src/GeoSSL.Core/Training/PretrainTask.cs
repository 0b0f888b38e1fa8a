using System.Text.Json;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Evaluation;
using GeoSSL.Core.Input;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Core.Training;

/// <summary>
/// GASSL pretraining as a task of the one training loop: MoCo-v2 (+ temporal positives from the batch source) (+ geo pretext).
/// The objective lives in <see cref="GeoMoco.Forward"/>; this class feeds it batches (two augmented views and geo labels per
/// anchor) and reports "loss", "contrastive" and "geo". Its validation is the encoder monitor (kNN top-1 and embedding spread).
/// </summary>
internal sealed class PretrainTask : ITrainingTask
{
    private readonly PretrainConfig config;
    private readonly GeoMoco model;
    private readonly IPretrainBatchSource source;
    private readonly BatchAugmenter augmenter;
    private readonly InputNormalizer normalizer;
    private readonly EncoderMonitor? monitor;
    private readonly byte[] view1, view2;
    private readonly long[] geo;
    private int[] order = [];

    /// <param name="model">Built from <paramref name="config"/> on <paramref name="device"/> (its frozen stages already frozen).</param>
    public PretrainTask(Device device, PretrainConfig config, GeoMoco model, IPretrainBatchSource source, EncoderMonitor? monitor, string? dataFingerprint)
    {
        this.config = config;
        this.model = model;
        this.source = source;
        this.monitor = monitor;
        Device = device;
        augmenter = BatchAugmenter.For(config.Augmentation, config.Input);
        normalizer = new InputNormalizer(config.Input);
        int pixels = source.Channels * source.Height * source.Width * config.Input.BytesPerSample;
        view1 = new byte[config.BatchSize * pixels];
        view2 = new byte[config.BatchSize * pixels];
        geo = new long[config.BatchSize];
        SettingsJson = SettingsOf(config);
        DataJson = JsonSerializer.Serialize(new PretrainData(source.Count, source.Channels, source.Height, source.Width, dataFingerprint));
    }

    public const string TaskKind = TrainingCheckpoint.PretrainingKind;

    /// <summary>The configuration as a checkpoint compares it: Epochs and ReportEveryNSteps live in the schedule, which a resume may change.</summary>
    internal static string SettingsOf(PretrainConfig config) => ConfigJson.Serialize(config with { Epochs = 1, ReportEveryNSteps = 0 });

    /// <summary>The loop's schedule of a pretraining configuration (SGD with momentum, warm-up + cosine, no early stopping).</summary>
    internal static TrainingSchedule ScheduleOf(PretrainConfig config) => new()
    {
        Epochs = config.Epochs, LearningRate = config.LearningRate, SgdMomentum = config.SgdMomentum, WeightDecay = config.WeightDecay,
        WarmupEpochs = config.WarmupEpochs, CosineSchedule = config.CosineSchedule, Seed = config.Seed, ReportEveryNSteps = config.ReportEveryNSteps,
    };

    public string Kind => TaskKind;
    public string SettingsJson { get; }
    public string DataJson { get; }
    public GeoMoco Moco => model;
    public nn.Module Model => model;
    public Device Device { get; }
    public long StepsPerEpoch => source.Count / config.BatchSize;

    public IEnumerable<Parameter> TrainableParameters() => model.TrainableParameters();

    public IReadOnlyList<double>? LearningRateScales =>
        config.GeoHeadLearningRate is { } geo ? model.TrainableParameterScales(geo / config.LearningRate) : null;

    public void SetTrainingMode()
    {
        model.train();
        if (config.FreezeBatchNormStatistics) model.FreezeBatchNormStatistics();
        if (config.FrozenStages > 0) model.FreezeLeadingStages(config.FrozenStages);
    }

    public void BeginEpoch(int epoch, long firstStep)
    {
        order = StepRandom.EpochOrder(config.Seed, epoch, source.Count);
        source.PlanEpoch(new EpochPlan(epoch, order, config.BatchSize, firstStep, StepsPerEpoch, step => StepRandom.For(config.Seed, epoch, step)));
    }

    public StepOutput Step(int epoch, long step, Random rng)
    {
        int b = config.BatchSize;
        // The source draws first (e.g. which date is the positive), then the augmenter and the key shuffle: the order of the draws is the run.
        source.FillBatch(order.AsSpan((int)(step * b), b), rng, view1, view2, geo);
        Tensor View(byte[] samples) => normalizer.Normalize(augmenter.Apply(normalizer.ToUnitScale(samples, b, source.Height, source.Width, Device), rng));
        var x1 = View(view1);
        Tensor? x2 = null;
        long[] shuffle = [];
        if (config.Variant.UsesContrastive())
        {
            x2 = View(view2);
            shuffle = Enumerable.Range(0, b).Select(i => (long)i).ToArray();
            rng.Shuffle(shuffle);
        }
        var labels = config.Variant.UsesGeo() ? tensor(geo, device: Device) : null;
        var losses = model.Forward(x1, x2, labels, shuffle, config.BatchNormGroups, config.ContrastiveWeight, config.GeoWeight);
        double total = losses.Loss.item<float>();
        return new StepOutput(losses.Loss, b, new Dictionary<string, double>
        {
            [MetricNames.Loss] = total * b, [MetricNames.Contrastive] = losses.Contrastive * b, [MetricNames.Geo] = losses.Geo * b,
        });
    }

    /// <summary>The monitor's figures ("embedding_std", and "knn_top1" with labels); null without a monitor.</summary>
    public IReadOnlyDictionary<string, double>? Validate()
    {
        if (monitor is null) return null;
        var health = monitor.Evaluate(model.QueryEncoder);
        var metrics = new Dictionary<string, double> { [MetricNames.EmbeddingStd] = health.NormalizedEmbeddingStd };
        if (health.KnnAccuracy is { } knn) metrics[MetricNames.KnnTop1] = knn;
        return metrics;
    }

    public string Describe() =>
        $"{config.Variant} on {source.Count} images of {source.Height}x{source.Width}, batch {config.BatchSize}" +
        (config.FrozenStages > 0 ? $", frozen stages {config.FrozenStages}" : "") + (config.FreezeBatchNormStatistics ? ", frozen BatchNorm statistics" : "");
}

/// <summary>What a pretraining resume checks of its data: counts and image shape, and the rows' fingerprint when the caller gave one.</summary>
internal sealed record PretrainData(int Images, int Channels, int Height, int Width, string? Fingerprint);
