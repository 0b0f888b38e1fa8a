using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Input;

namespace GeoSSL.Core.Classification;

/// <summary>
/// Everything the fine-tuning loop needs: backbone shape, number of classes, optimiser (SGD with momentum, weight decay,
/// warm-up + cosine schedule), augmentation, early stopping and seed.
/// </summary>
internal sealed record FineTuneConfig
{
    /// <summary>Backbone shape (taken from the checkpoint when starting from a pretrained encoder).</summary>
    public ResNetOptions Encoder { get; init; } = new() { Depth = ResNetDepth.ResNet18 };

    /// <summary>Number of classes (outputs of <c>fc</c>); at least 2.</summary>
    public required int NumClasses { get; init; }

    public int Epochs { get; init; } = 20;
    public int BatchSize { get; init; } = 64;

    /// <summary>Base learning rate of SGD (0.01). 0 is allowed and trains nothing (BatchNorm statistics still move unless the backbone is frozen).</summary>
    public double LearningRate { get; init; } = 0.01;
    public double SgdMomentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Epochs of linear warm-up before the cosine decay (0).</summary>
    public double WarmupEpochs { get; init; }
    /// <summary>Cosine decay to 0 over the run (true); false keeps the rate constant after warm-up.</summary>
    public bool CosineSchedule { get; init; } = true;

    /// <summary>
    /// Train only <c>fc</c> (a linear probe): backbone parameters get no gradient and the backbone stays in eval mode,
    /// so its weights and BatchNorm statistics are left exactly as they were.
    /// </summary>
    public bool FreezeBackbone { get; init; }

    /// <summary>Augment training batches with the fine-tuning preset (<see cref="AugmentationFor"/>); false only normalises.</summary>
    public bool Augment { get; init; } = true;
    /// <summary>Smallest area fraction of the random resized crop (0.5).</summary>
    public double MinCropScale { get; init; } = 0.5;
    public double HorizontalFlipProbability { get; init; } = 0.5;
    /// <summary>Overhead imagery has no "up", so vertical flips are label-preserving (0.5).</summary>
    public double VerticalFlipProbability { get; init; } = 0.5;

    /// <summary>
    /// What the classifier takes: bands, sample scale and normalisation (ImageNet's, as in pretraining; a checkpoint's own when
    /// starting from one). Its size is the training images' size.
    /// </summary>
    public ImageInputSpec Input { get; init; } = ImageInputSpec.Rgb(224);

    /// <summary>
    /// Stop after this many epochs in a row without a higher validation accuracy, and in any case return the weights of
    /// the epoch with the best validation accuracy (the first one on ties). Null or 0: off. Needs a validation set.
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Seed of the initial weights, the visiting order and the augmentation: equal seeds give equal runs on the CPU.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Report progress every this many steps (and at the end of every epoch); 0 for epoch ends only.</summary>
    public int ReportEveryNSteps { get; init; } = 10;

    /// <summary>Images per forward pass when evaluating (validation, predictions).</summary>
    public int EvaluationBatchSize { get; init; } = 256;

    /// <summary>
    /// The fine-tuning augmentation for square images of <paramref name="imageSize"/> pixels: random resized crop
    /// (area <see cref="MinCropScale"/>-1, aspect 3/4-4/3) back to the same size, horizontal and vertical flips, and no colour
    /// jitter, grayscale or blur. Pretraining needs strong colour augmentation so the contrastive task cannot be solved from
    /// colour statistics alone; for supervised land-cover labels colour is evidence (water, vegetation, bare soil and crops
    /// differ mostly in their spectra), and blurring 64 px tiles at 10 m per pixel removes the texture that separates the
    /// remaining classes. Geometry is what the labels do not depend on, so that is what is randomised.
    /// </summary>
    public AugmentationOptions AugmentationFor(int imageSize) => new()
    {
        OutputSize = imageSize, MinCropScale = MinCropScale, MaxCropScale = 1,
        ColorJitterProbability = 0, GrayscaleProbability = 0, BlurProbability = 0,
        HorizontalFlipProbability = HorizontalFlipProbability, VerticalFlipProbability = VerticalFlipProbability,
    };

    /// <summary>Throws an ArgumentException naming the first invalid setting.</summary>
    public void Validate()
    {
        Encoder.Validate();
        if (NumClasses < 2) throw new ArgumentOutOfRangeException(nameof(NumClasses), NumClasses, "A classifier needs at least two classes.");
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Train for at least one epoch.");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchNorm needs a batch of at least 2.");
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be zero or positive.");
        if (SgdMomentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(SgdMomentum), SgdMomentum, "Must be in [0, 1).");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Cannot be negative.");
        if (!(WarmupEpochs >= 0)) throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), WarmupEpochs, "Cannot be negative.");
        if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "Cannot be negative (0 or null turns early stopping off).");
        if (ReportEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(ReportEveryNSteps), ReportEveryNSteps, "Cannot be negative.");
        if (EvaluationBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, "Must be positive.");
        if (MinCropScale is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(MinCropScale), MinCropScale, "Must be in (0, 1].");
        if (HorizontalFlipProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(HorizontalFlipProbability), HorizontalFlipProbability, "Must be a probability.");
        if (VerticalFlipProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(VerticalFlipProbability), VerticalFlipProbability, "Must be a probability.");
        Input.Validate();
        if (Input.Channels != Encoder.InputChannels)
            throw new ArgumentException($"The input has {Input.Channels} bands ({string.Join(",", Input.Bands)}) but the encoder takes {Encoder.InputChannels} channels.", nameof(Input));
    }

    internal bool EarlyStopping => EarlyStoppingPatience is > 0;

    /// <summary>
    /// The settings the training loop owns (optimiser, schedule, length, seed, reporting, early stopping on validation
    /// accuracy): fine-tuning keeps them here so a classifier is still described by one record.
    /// </summary>
    public TrainingSchedule ToSchedule() => new()
    {
        Epochs = Epochs, LearningRate = LearningRate, SgdMomentum = SgdMomentum, WeightDecay = WeightDecay, WarmupEpochs = WarmupEpochs,
        CosineSchedule = CosineSchedule, Seed = Seed, ReportEveryNSteps = ReportEveryNSteps, EarlyStoppingPatience = EarlyStoppingPatience,
        EarlyStoppingMetric = "accuracy",
    };
}
