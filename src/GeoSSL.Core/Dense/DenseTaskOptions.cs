namespace GeoSSL.Core.Dense;

/// <summary>
/// Settings of a dense task (change detection with two dates, segmentation with one) beyond the model: how training windows
/// are drawn, the loss for rare positives, and how validation scenes are predicted whole.
/// </summary>
internal sealed record DenseTaskOptions
{
    /// <summary>The model: encoder shape, classes, inputs (2 = change detection), fusion, frozen encoder.</summary>
    public DenseModelOptions Model { get; init; } = new();
    /// <summary>Side of the random training windows in pixels (64).</summary>
    public int WindowSize { get; init; } = 64;
    /// <summary>Windows per step (8).</summary>
    public int BatchSize { get; init; } = 8;
    /// <summary>Windows drawn per epoch (512); each is a fresh random draw from (seed, epoch, index).</summary>
    public int WindowsPerEpoch { get; init; } = 512;
    /// <summary>Probability that a window is placed over a changed pixel (0.5): positives are 0.3-3.8% of OSCD pixels.</summary>
    public double ChangeBias { get; init; } = 0.5;
    /// <summary>Random flips and 90° rotations, the same for both dates and the mask (true).</summary>
    public bool Augment { get; init; } = true;
    /// <summary>Weight of the soft Dice loss of the positive class beside the cross-entropy (1).</summary>
    public double DiceWeight { get; init; } = 1.0;
    /// <summary>Weight the cross-entropy's classes by the training pixels' frequencies (true), so rare change counts as much as the rest.</summary>
    public bool BalancedClassWeights { get; init; } = true;
    /// <summary>Stride of the overlapping windows that predict whole validation scenes (half the window).</summary>
    public int? ValidationStride { get; init; }
    /// <summary>Probability above which a pixel counts as changed in metrics (0.5).</summary>
    public float Threshold { get; init; } = 0.5f;

    public void Validate()
    {
        Model.Validate();
        if (WindowSize < 16) throw new ArgumentOutOfRangeException(nameof(WindowSize), WindowSize, "Windows of at least 16 pixels.");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchNorm needs a batch of at least 2.");
        if (WindowsPerEpoch < BatchSize) throw new ArgumentOutOfRangeException(nameof(WindowsPerEpoch), WindowsPerEpoch, "At least one batch of windows per epoch.");
        if (ChangeBias is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ChangeBias), ChangeBias, "A probability.");
        if (ValidationStride is < 1) throw new ArgumentOutOfRangeException(nameof(ValidationStride), ValidationStride, "A positive stride.");
        if (Threshold is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "Strictly between 0 and 1.");
    }
}
