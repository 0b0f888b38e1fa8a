using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Data.Input;

namespace GeoSSL.Core.Training;

/// <summary>Everything the training loop needs. Defaults are the paper's (MoCo-v2 recipe, GASSL weights).</summary>
internal sealed record PretrainConfig
{
    public PretrainVariant Variant { get; init; } = PretrainVariant.MoCoV2GeoTemporalPositives;
    public MocoOptions Model { get; init; } = new();
    public AugmentationOptions Augmentation { get; init; } = new();
    private readonly ImageInputSpec input = ImageInputSpec.Rgb(224);

    /// <summary>
    /// What the encoder takes (bands, sample scale, normalisation). Its size always reads as the augmentation's output size,
    /// the size the encoder is trained at, so the two cannot disagree.
    /// </summary>
    public ImageInputSpec Input
    {
        get => input.Height == Augmentation.OutputSize && input.Width == Augmentation.OutputSize ? input : input.WithSize(Augmentation.OutputSize, Augmentation.OutputSize);
        init => input = value ?? throw new ArgumentNullException(nameof(Input));
    }

    public int Epochs { get; init; } = 200;
    public int BatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 0.03;
    public double SgdMomentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Epochs of linear warm-up before the cosine decay (0 in MoCo-v2).</summary>
    public double WarmupEpochs { get; init; }
    /// <summary>Cosine decay to 0 over the run (true in MoCo-v2); false keeps the rate constant.</summary>
    public bool CosineSchedule { get; init; } = true;

    /// <summary>Weight of the contrastive loss (alpha, 1).</summary>
    public double ContrastiveWeight { get; init; } = 1.0;
    /// <summary>Weight of the geo-classification loss (beta, 1).</summary>
    public double GeoWeight { get; init; } = 1.0;
    /// <summary>
    /// Learning rate of the geo head (a linear classifier learning from scratch), on the same schedule; null: LearningRate.
    /// Adapting pretrained weights gently (lr 0.001) otherwise leaves the geo head near chance.
    /// </summary>
    public double? GeoHeadLearningRate { get; init; }

    /// <summary>BatchNorm groups emulating multi-GPU ShuffleBN on one device (the paper used 8 GPUs).</summary>
    public int BatchNormGroups { get; init; } = 4;
    /// <summary>
    /// Keep the encoders' BatchNorm layers in eval mode while training: running statistics stay as loaded and batches are
    /// normalised with them (the affine weights still learn). For adapting pretrained (e.g. ImageNet) weights, whose
    /// statistics would otherwise be replaced by those of the new imagery within a few dozen steps.
    /// </summary>
    public bool FreezeBatchNormStatistics { get; init; }

    /// <summary>
    /// Leading encoder stages kept as loaded: 0 none (default), 1 the stem (conv1, bn1), 2 stem + layer1, 3 up to layer2,
    /// 4 up to layer3. For adapting pretrained weights: generic early filters stay, later stages adapt, and steps get cheaper.
    /// </summary>
    public int FrozenStages { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Report progress every this many steps (and at the end of every epoch).</summary>
    public int ReportEveryNSteps { get; init; } = 10;

    /// <summary>Throws an ArgumentException naming the first invalid setting.</summary>
    public void ValidateForCaller() => Validate();

    internal void Validate()
    {
        Model.Validate();
        Augmentation.Validate();
        Input.Validate();
        if (Input.Channels != Model.Encoder.InputChannels)
            throw new ArgumentException($"The input has {Input.Channels} bands ({string.Join(",", Input.Bands)}) but the encoder takes {Model.Encoder.InputChannels} channels.", nameof(Input));
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Train for at least one epoch.");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Contrastive training needs a batch of at least 2.");
        if (LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be positive.");
        if (FrozenStages is < 0 or > 4) throw new ArgumentOutOfRangeException(nameof(FrozenStages), FrozenStages, "Between 0 (none) and 4 (stem to layer3): layer4 must stay trainable.");
        if (WarmupEpochs < 0) throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), WarmupEpochs, "Cannot be negative.");
        if (GeoHeadLearningRate is { } g && (!(g > 0) || double.IsInfinity(g))) throw new ArgumentOutOfRangeException(nameof(GeoHeadLearningRate), g, "Must be positive.");
        if (ContrastiveWeight < 0 || GeoWeight < 0) throw new ArgumentOutOfRangeException(nameof(GeoWeight), "Loss weights cannot be negative.");
        if (Variant.UsesGeo() && Model.GeoClasses < 1) throw new ArgumentException($"Variant {Variant} needs Model.GeoClasses > 0.");
        if (Variant.UsesContrastive() != Model.Contrastive)
            throw new ArgumentException($"Variant {Variant} needs Model.Contrastive = {Variant.UsesContrastive()}.");
    }
}
