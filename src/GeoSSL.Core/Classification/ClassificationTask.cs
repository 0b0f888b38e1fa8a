using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Input;
using GeoSSL.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Classification;

/// <summary>
/// Supervised fine-tuning of a <see cref="ResNetClassifier"/> as a task of the one training loop (<see cref="TrainingLoop"/>):
/// cross-entropy on batches in a seeded visiting order per epoch, the fine-tuning augmentation, an optional frozen backbone
/// (a linear probe: features under no_grad, only <c>fc</c> trains, the backbone stays in eval mode), and validation loss
/// and accuracy. The loop owns the optimiser, schedule, early stopping and checkpoints; this class owns only what is
/// particular to classification, so a resumed run replays the uninterrupted one step for step.
/// </summary>
internal sealed class ClassificationTask : ITrainingTask
{
    /// <summary>Kind stored in the checkpoints of classification runs (<see cref="FineTuneCheckpoint"/>).</summary>
    public const string TaskKind = "classification";

    private readonly FineTuneConfig config;
    private readonly ResNetClassifier model;
    private readonly ILabeledImageSource train;
    private readonly ILabeledImageSource? validation;
    private readonly InputNormalizer normalizer;
    private readonly BatchAugmenter? augmenter;
    private readonly List<(int Start, int Count)> batches;
    private readonly int imageBytes;
    private readonly byte[] buffer;
    private readonly long[] labels;
    private int[] order = [];

    /// <param name="model">Built from <paramref name="config"/> and already on <paramref name="device"/>; the caller keeps owning it.</param>
    /// <exception cref="ArgumentException">The sources do not fit the configuration (channels, sample size, square size, labels) or each other.</exception>
    public ClassificationTask(ResNetClassifier model, FineTuneConfig config, Device device, ILabeledImageSource train, ILabeledImageSource? validation = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(train);
        CheckSource(config, train, nameof(train));
        if (validation is not null) CheckSource(config, validation, nameof(validation));
        if (config.EarlyStopping && validation is null)
            throw new ArgumentException($"EarlyStoppingPatience ({config.EarlyStoppingPatience}) needs a validation set.", nameof(validation));
        if (validation is not null && (validation.Height != train.Height || validation.Width != train.Width))
            throw new ArgumentException($"Validation images are {validation.Height}x{validation.Width} but training images are {train.Height}x{train.Width}.", nameof(validation));
        this.model = model; this.config = config; this.train = train; this.validation = validation;
        Device = device;
        // A frozen backbone gets no gradient at all (not only no update), so its tensors stay bit-identical.
        if (config.FreezeBackbone)
            foreach (var p in model.BackboneParameters()) p.requires_grad = false;
        normalizer = new InputNormalizer(config.Input);
        augmenter = config.Augment ? BatchAugmenter.For(config.AugmentationFor(train.Height), config.Input) : null;
        batches = BatchPlan(train.Count, config.BatchSize);
        imageBytes = train.Channels * train.Height * train.Width * train.BytesPerSample;
        int largest = batches.Max(b => b.Count);
        buffer = new byte[largest * imageBytes];
        labels = new long[largest];
    }

    public string Kind => TaskKind;

    /// <summary>
    /// The configuration without Epochs and ReportEveryNSteps, which a resume may change (the schedule holds them, and the
    /// loop compares it with those two left out).
    /// </summary>
    public string SettingsJson => ConfigJson.Serialize(NeutralSettings(config));

    public string DataJson => ConfigJson.SerializeValue(Data);

    /// <summary>What a resume can check of the data: the visiting order and the batches follow from it.</summary>
    public FineTuneData Data => new(train.Count, validation?.Count, train.Height);

    public ResNetClassifier Model => model;
    nn.Module ITrainingTask.Model => model;
    public Device Device { get; }
    public long StepsPerEpoch => batches.Count;

    public IEnumerable<Parameter> TrainableParameters() => config.FreezeBackbone ? model.Fc.parameters() : model.parameters();

    /// <summary>Training mode, except a frozen backbone, which stays in eval mode so its BatchNorm statistics do not move.</summary>
    public void SetTrainingMode()
    {
        model.train();
        if (config.FreezeBackbone) model.Encoder.eval();
    }

    /// <summary>The epoch's visiting order depends only on (seed, epoch), so a resumed epoch visits the same images.</summary>
    public void BeginEpoch(int epoch, long firstStep) => order = StepRandom.EpochOrder(config.Seed, epoch, train.Count);

    public StepOutput Step(int epoch, long step, Random rng)
    {
        var (start, count) = batches[(int)step];
        for (int i = 0; i < count; i++)
        {
            int index = order[start + i];
            train.Image(index).CopyTo(buffer.AsSpan(i * imageBytes, imageBytes));
            labels[i] = train.Label(index);
        }
        var x = normalizer.ToUnitScale(buffer, count, train.Height, train.Width, Device);
        x = normalizer.Normalize(augmenter is null ? x : augmenter.Apply(x, rng));
        var y = tensor(labels.AsSpan(0, count).ToArray(), device: Device);
        Tensor logits;
        if (config.FreezeBackbone)
        {
            Tensor features;
            using (no_grad()) features = model.Encoder.forward(x);
            logits = model.Fc.forward(features);
        }
        else logits = model.forward(x);
        var loss = F.cross_entropy(logits, y);
        long correct;
        using (no_grad()) correct = logits.argmax(1).eq(y).sum().item<long>();
        return new StepOutput(loss, count, new Dictionary<string, double>
        {
            ["loss"] = (double)loss.item<float>() * count, ["accuracy"] = correct,
        });
    }

    /// <summary>Mean cross-entropy ("loss") and accuracy on the validation images; null without them.</summary>
    public IReadOnlyDictionary<string, double>? Validate()
    {
        if (validation is null) return null;
        var (loss, accuracy) = ClassifierEvaluation.Run(model, normalizer, validation, config.EvaluationBatchSize, Device);
        return new Dictionary<string, double> { ["loss"] = loss, ["accuracy"] = accuracy };
    }

    public string Describe() =>
        $"{ResNetClassifier.Describe(config.Encoder)} for {config.NumClasses} classes on {train.Count} images of {train.Height}x{train.Width}" +
        $"{(validation is null ? "" : $" (validation {validation.Count})")}, batches of up to {config.BatchSize}, " +
        $"{(config.FreezeBackbone ? "frozen backbone (fc only)" : "all layers")}, augmentation {(config.Augment ? "on" : "off")}";

    /// <summary>The configuration as stored among a checkpoint's task settings: Epochs and ReportEveryNSteps fixed, as the schedule carries them.</summary>
    internal static FineTuneConfig NeutralSettings(FineTuneConfig config) => config with { Epochs = 1, ReportEveryNSteps = 0 };

    /// <summary>
    /// Contiguous slices of the epoch's visiting order: every batch has BatchSize images except the last, which takes the rest;
    /// a last batch of a single image is merged into the previous one (BatchNorm cannot normalise one sample at 1x1).
    /// </summary>
    internal static List<(int Start, int Count)> BatchPlan(int n, int batchSize)
    {
        var plan = new List<(int, int)>();
        for (int start = 0; start < n; start += batchSize) plan.Add((start, Math.Min(batchSize, n - start)));
        if (plan.Count > 1 && plan[^1].Item2 == 1)
        {
            var (s, c) = plan[^2];
            plan[^2] = (s, c + 1);
            plan.RemoveAt(plan.Count - 1);
        }
        return plan;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="name"/> when the images do not fit <paramref name="config"/>.</summary>
    internal static void CheckSource(FineTuneConfig config, ILabeledImageSource s, string name)
    {
        if (s.Channels != config.Encoder.InputChannels)
            throw new ArgumentException($"The {name} images have {s.Channels} channels but the encoder expects {config.Encoder.InputChannels}.", name);
        if (s.BytesPerSample != config.Input.BytesPerSample)
            throw new ArgumentException($"The {name} images hold {s.BytesPerSample}-byte samples but the input spec ({config.Input}) needs {config.Input.BytesPerSample}.", name);
        if (s.Height != s.Width) throw new ArgumentException($"The {name} images are {s.Height}x{s.Width}; fine-tuning needs square images.", name);
        if (s.Height < 8) throw new ArgumentException($"The {name} images are {s.Height} pixels; at least 8 are needed.", name);
        if (s.Count < 2) throw new ArgumentException($"The {name} set has {s.Count} image(s); at least 2 are needed.", name);
        for (int i = 0; i < s.Count; i++)
        {
            int label = s.Label(i);
            if (label < 0 || label >= config.NumClasses)
                throw new ArgumentException($"Image {i} of the {name} set has class {label}, outside 0-{config.NumClasses - 1}.", name);
        }
    }
}
