using GeoSSL.Core.Engine;
using GeoSSL.Core.Input;
using GeoSSL.Core.Training;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Input;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Core.Dense;

/// <summary>
/// Change detection (two dates) and segmentation (one image) as a task of the one training loop: random windows of the
/// training scenes with the same flips/rotations on every date and the mask, a weighted cross-entropy + Dice loss for rare
/// positives, and validation that predicts whole scenes with overlapping windows and scores the positive class
/// (precision, recall, F1, IoU, overall accuracy; early stopping uses "f1" by default through the schedule).
/// </summary>
internal sealed class DenseTask : ITrainingTask, IDisposable
{
    private readonly DenseTaskOptions options;
    private readonly ImageInputSpec input;
    private readonly IReadOnlyList<DenseScene> validation;
    private readonly DenseWindowSampler sampler;
    private readonly InputNormalizer normalizer;
    private readonly DensePredictor predictor;
    private readonly DenseLoss loss;
    private readonly float[][] dates;
    private readonly byte[] mask;

    /// <param name="input">Bands, scale and normalisation of the scenes' samples (as the encoder was pretrained with).</param>
    /// <param name="seed">Seed of the window draws (use the schedule's).</param>
    public DenseTask(Device device, DenseTaskOptions options, ImageInputSpec input, IReadOnlyList<DenseScene> train, IReadOnlyList<DenseScene>? validation, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(input);
        options.Validate();
        if (train is null || train.Count == 0) throw new ArgumentException("No training scenes.", nameof(train));
        int inputs = options.Model.Inputs;
        foreach (var s in train.Concat(validation ?? []))
        {
            if (s.DateCount < inputs) throw new ArgumentException($"Scene '{s.Name}' has {s.DateCount} date(s); the model takes {inputs}.");
            if (s.Scene.Channels != input.Channels)
                throw new ArgumentException($"Scene '{s.Name}' has {s.Scene.Channels} bands ({string.Join(",", s.Scene.Bands)}); the input spec has {input.Channels} ({string.Join(",", input.Bands)}).");
            if (s.ClassCount != options.Model.Classes) throw new ArgumentException($"Scene '{s.Name}' has a {s.ClassCount}-class mask; the model predicts {options.Model.Classes}.");
        }
        this.options = options;
        this.input = input.WithSize(options.WindowSize, options.WindowSize);
        this.validation = validation ?? [];
        Device = device;
        normalizer = new InputNormalizer(this.input);
        sampler = new DenseWindowSampler(train, options.WindowSize, seed, options.ChangeBias, options.Augment);
        double positives = train.Sum(s => s.PositiveFraction * s.Height * s.Width) / train.Sum(s => (double)s.Height * s.Width);
        loss = new DenseLoss(options.BalancedClassWeights && options.Model.Classes == 2 && positives is > 0 and < 1 ? DenseLoss.BalancedWeights(positives) : null,
            options.DiceWeight);
        Model = new DenseModel(options.Model);
        Model.to(device);
        predictor = new DensePredictor(Model, options, this.input, options.Threshold, device, ownsModel: false);
        dates = Enumerable.Range(0, inputs).Select(_ => new float[options.BatchSize * sampler.SamplesPerDate]).ToArray();
        mask = new byte[options.BatchSize * sampler.MaskPixels];
        Train = train;
    }

    public IReadOnlyList<DenseScene> Train { get; }
    public DenseModel Model { get; }
    nn.Module ITrainingTask.Model => Model;
    public Device Device { get; }
    public ImageInputSpec Input => input;

    public string Kind => options.Model.Inputs == 2 ? "change-detection" : "segmentation";
    public string SettingsJson => ConfigJson.SerializeValue(new DenseSettings(options, input));
    public string DataJson => ConfigJson.SerializeValue(new
    {
        Train = Train.Select(s => $"{s.Name} {s.Width}x{s.Height}").ToArray(), Validation = validation.Select(s => $"{s.Name} {s.Width}x{s.Height}").ToArray(),
    });
    public long StepsPerEpoch => options.WindowsPerEpoch / options.BatchSize;
    public IEnumerable<Parameter> TrainableParameters() => Model.TrainableParameters();
    public void SetTrainingMode() => Model.train(); // the model keeps a frozen encoder in eval mode itself

    public string Describe() =>
        $"{DenseModelDescription()} on {Train.Count} scene(s) ({string.Join(", ", Train.Select(s => s.Name))}), {options.WindowsPerEpoch} windows of " +
        $"{options.WindowSize} px per epoch, batch {options.BatchSize}, change bias {options.ChangeBias:F2}" +
        (validation.Count > 0 ? $"; validation on {string.Join(", ", validation.Select(s => s.Name))}" : "");

    private string DenseModelDescription() =>
        $"{(options.Model.Inputs == 2 ? $"siamese U-Net ({options.Model.Fusion})" : "U-Net")} ResNet-{(int)options.Model.Encoder.Depth} " +
        $"width {options.Model.Encoder.BaseWidth}{(options.Model.FreezeEncoder ? ", frozen encoder" : "")}";

    public StepOutput Step(int epoch, long step, Random rng)
    {
        int b = options.BatchSize, s = options.WindowSize;
        var indices = Enumerable.Range(0, b).Select(i => step * b + i).ToArray();
        sampler.FillBatch(epoch, indices, dates.Select(d => (Memory<float>)d).ToList(), mask);
        var x = dates.Select(d => normalizer.Normalize(normalizer.ToUnitScale(d, b, s, s, Device))).ToArray();
        var labels = tensor(mask, new long[] { b, s, s }).to(ScalarType.Int64).to(Device);
        var logits = x.Length == 2 ? Model.Forward(x[0], x[1]) : Model.forward(x[0]);
        var value = loss.Compute(logits, labels);
        double correct = logits.argmax(1).eq(labels).sum().item<long>() / (double)(s * s);
        return new StepOutput(value, b, new Dictionary<string, double> { ["loss"] = value.item<float>() * b, ["pixel_accuracy"] = correct });
    }

    /// <summary>
    /// Validation scores at <see cref="DenseTaskOptions.Threshold"/>, plus "f1_tuned" and "threshold_tuned": the best F1 over
    /// thresholds 0.05-0.95 on the same predictions. A class-balanced loss moves the positives' probabilities up, so 0.5 is
    /// rarely the best cut; <see cref="TunedThreshold"/> keeps the last tuned value for scoring held-out scenes.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Validate()
    {
        if (validation.Count == 0) return null;
        var predictions = validation.Select(s => (Scene: s, Probability: PredictPositive(s))).ToList();
        var scores = new Dictionary<string, double>(Scores(Confusion(predictions, options.Threshold).Overall));
        var (best, f1) = BestThreshold(predictions);
        TunedThreshold = best;
        scores["f1_tuned"] = f1;
        scores["threshold_tuned"] = best;
        return scores;
    }

    /// <summary>The threshold with the best validation F1 at the last validation (null before any).</summary>
    public float? TunedThreshold { get; private set; }

    private static (float Threshold, double F1) BestThreshold(IReadOnlyList<(DenseScene Scene, float[] Probability)> predictions)
    {
        (float Threshold, double F1) best = (0.5f, double.NegativeInfinity);
        for (int k = 1; k <= 19; k++)
        {
            float t = k * 0.05f;
            double f1 = Confusion(predictions, t).Overall.F1;
            if (f1 > best.F1) best = (t, f1); // NaN (no positives predicted) never wins
        }
        return best.F1 > double.NegativeInfinity ? best : (0.5f, double.NaN);
    }

    private static ChangeMetrics Confusion(IEnumerable<(DenseScene Scene, float[] Probability)> predictions, float threshold) =>
        DensePredictor.Confusion(predictions, threshold);

    /// <summary>The positive class's scores of a pooled confusion, as the loop's named metrics.</summary>
    public static IReadOnlyDictionary<string, double> Scores(BinaryConfusion c) => new Dictionary<string, double>
    {
        ["f1"] = c.F1, ["iou"] = c.IoU, ["precision"] = c.Precision, ["recall"] = c.Recall, ["accuracy"] = c.OverallAccuracy,
    };

    /// <summary>
    /// Predicts whole scenes with overlapping windows and scores them per scene and pooled (eval mode, no gradients), at
    /// <paramref name="threshold"/> (default: the options' threshold).
    /// </summary>
    public ChangeMetrics Evaluate(IEnumerable<DenseScene> scenes, float? threshold = null) => predictor.Evaluate(scenes, threshold);

    /// <summary>Probability of the positive class (change) per pixel of a whole scene, row-major [H * W].</summary>
    public float[] PredictPositive(DenseScene scene) => predictor.PredictPositive(scene);

    public void Dispose() => Model.Dispose();
}
