using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Dense;

/// <summary>
/// Loss for per-pixel classification with a rare positive class (change maps have 0.3-3.8% changed pixels):
/// <c>CE + DiceWeight * Dice</c>, where CE is class-weighted cross-entropy (PyTorch's weighted mean) and Dice is the soft
/// Dice loss <c>1 - (2 sum(p t) + s) / (sum p + sum t + s)</c> of the positive class's softmax probability p against its
/// mask t over the whole batch. The smoothing s = 1 keeps Dice defined when a batch has no positive pixel: it is then
/// <c>sum p / (sum p + 1)</c>, small when the model predicts no change. Plain CE under-weights the rare class; Dice alone is
/// unstable early; the sum is the usual compromise.
/// </summary>
internal sealed class DenseLoss
{
    private const double DiceSmoothing = 1.0;

    /// <summary>Per-class cross-entropy weights (length K), or null for unweighted.</summary>
    public float[]? ClassWeights { get; }

    /// <summary>Weight of the Dice term; 0 gives cross-entropy alone.</summary>
    public double DiceWeight { get; }

    /// <summary>Class whose Dice is added (1, "change", for change detection).</summary>
    public int PositiveClass { get; }

    public DenseLoss(float[]? classWeights = null, double diceWeight = 1.0, int positiveClass = 1)
    {
        if (classWeights is not null && (classWeights.Length < 2 || classWeights.Any(w => !float.IsFinite(w) || w < 0) || classWeights.All(w => w == 0)))
            throw new ArgumentException("Class weights need one finite, non-negative value per class (K >= 2), not all zero.", nameof(classWeights));
        if (!double.IsFinite(diceWeight) || diceWeight < 0) throw new ArgumentOutOfRangeException(nameof(diceWeight), diceWeight, "The Dice weight must be finite and non-negative.");
        if (positiveClass < 0) throw new ArgumentOutOfRangeException(nameof(positiveClass), positiveClass, "Class index must be non-negative.");
        ClassWeights = classWeights;
        DiceWeight = diceWeight;
        PositiveClass = positiveClass;
    }

    /// <summary>
    /// Balanced two-class weights for a positive-pixel fraction f: <c>[0.5 / (1 - f), 0.5 / f]</c>, so both classes contribute
    /// equally to the cross-entropy on average (f = 0.02 gives [0.51, 25]). Weights are capped at <paramref name="maxWeight"/>
    /// because near-empty masks would otherwise make the positive weight explode.
    /// </summary>
    public static float[] BalancedWeights(double positiveFraction, double maxWeight = 50)
    {
        if (!(positiveFraction > 0 && positiveFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(positiveFraction), positiveFraction, "The positive fraction must be strictly between 0 and 1.");
        return [(float)Math.Min(maxWeight, 0.5 / (1 - positiveFraction)), (float)Math.Min(maxWeight, 0.5 / positiveFraction)];
    }

    /// <summary>Scalar loss of logits [N, K, H, W] against integer labels [N, H, W] (int64 class indices).</summary>
    public Tensor Compute(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 4) throw new ArgumentException($"Expected logits [N, K, H, W], got [{string.Join(", ", logits.shape)}].", nameof(logits));
        long k = logits.shape[1];
        if (ClassWeights is not null && ClassWeights.Length != k)
            throw new ArgumentException($"{ClassWeights.Length} class weights for {k} classes.", nameof(logits));
        if (PositiveClass >= k) throw new ArgumentException($"Positive class {PositiveClass} does not exist among {k} classes.", nameof(logits));
        if (labels.dim() != 3 || labels.shape[0] != logits.shape[0] || labels.shape[1] != logits.shape[2] || labels.shape[2] != logits.shape[3])
            throw new ArgumentException($"Labels [{string.Join(", ", labels.shape)}] do not match logits [{string.Join(", ", logits.shape)}].", nameof(labels));
        using var scope = NewDisposeScope();
        labels = labels.to(ScalarType.Int64);
        var weight = ClassWeights is null ? null : tensor(ClassWeights, device: logits.device);
        var loss = F.cross_entropy(logits, labels, weight: weight);
        if (DiceWeight > 0) loss = loss + DiceWeight * Dice(logits, labels);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The soft Dice loss of the positive class alone (see the class remarks).</summary>
    public Tensor Dice(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var p = F.softmax(logits, 1).select(1, PositiveClass);
        var t = labels.eq(PositiveClass).to(p.dtype);
        var intersection = (p * t).sum();
        var dice = 1.0 - (2.0 * intersection + DiceSmoothing) / (p.sum() + t.sum() + DiceSmoothing);
        return dice.MoveToOuterDisposeScope();
    }
}
