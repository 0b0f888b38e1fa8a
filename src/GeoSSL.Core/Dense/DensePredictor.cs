using System.Text.Json;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Devices;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Input;
using GeoSSL.Core.Training;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Input;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Dense;

/// <summary>
/// A trained change-detection or segmentation model applied to whole scenes: overlapping windows
/// (<see cref="SlidingWindowInference"/>) normalised by its input contract, the positive class's probability per pixel, and
/// the pooled and per-scene scores at its threshold (the validation-tuned one of the best epoch when it was trained with
/// validation). <see cref="Save"/> writes a finished run as a training checkpoint with the kept weights, so the same file
/// is the trained model and the record of its run; <see cref="Load"/> reads it back in another process.
/// </summary>
internal sealed class DensePredictor : IDisposable
{
    private readonly InputNormalizer normalizer;
    private readonly bool ownsModel;

    internal DensePredictor(DenseModel model, DenseTaskOptions options, ImageInputSpec input, float threshold, Device device, bool ownsModel)
    {
        Model = model; Options = options; Input = input; Threshold = threshold; Device = device; this.ownsModel = ownsModel;
        normalizer = new InputNormalizer(input);
    }

    public DenseModel Model { get; }
    public DenseTaskOptions Options { get; }
    /// <summary>What each date's samples are (bands, scale, normalisation) at the window size.</summary>
    public ImageInputSpec Input { get; }
    /// <summary>Probability above which a pixel is called positive (change).</summary>
    public float Threshold { get; }
    public Device Device { get; }

    /// <summary>Probability of the positive class (change) per pixel of a whole scene, row-major [H * W]; eval mode, no gradients.</summary>
    public float[] PredictPositive(DenseScene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        RequireFits(scene);
        Model.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var inference = new SlidingWindowInference(Options.WindowSize, Options.ValidationStride ?? Options.WindowSize / 2);
        var images = Enumerable.Range(0, Options.Model.Inputs)
            .Select(d => normalizer.Normalize(normalizer.ToUnitScale(scene.Scene.Samples(d).Span, 1, scene.Height, scene.Width, Device)).squeeze(0))
            .ToArray();
        var probabilities = inference.PredictProbabilities(Model, images.Length == 2 ? cat(images, 0) : images[0]);
        return probabilities[1].cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>Scores whole scenes per scene and pooled at <paramref name="threshold"/> (default <see cref="Threshold"/>).</summary>
    public ChangeMetrics Evaluate(IEnumerable<DenseScene> scenes, float? threshold = null) =>
        Confusion(scenes.Select(s => (s, PredictPositive(s))), threshold ?? Threshold);

    internal static ChangeMetrics Confusion(IEnumerable<(DenseScene Scene, float[] Probability)> predictions, float threshold)
    {
        var metrics = new ChangeMetrics();
        foreach (var (scene, probability) in predictions) metrics.Add(scene.Name, probability, scene.Mask.Span, threshold);
        return metrics;
    }

    private void RequireFits(DenseScene scene)
    {
        if (scene.DateCount < Options.Model.Inputs) throw new ArgumentException($"Scene '{scene.Name}' has {scene.DateCount} date(s); the model takes {Options.Model.Inputs}.");
        if (scene.Scene.Channels != Input.Channels)
            throw new ArgumentException($"Scene '{scene.Name}' has {scene.Scene.Channels} bands ({string.Join(",", scene.Scene.Bands)}); the model takes {Input.Channels} ({string.Join(",", Input.Bands)}).");
        if (scene.Height < Options.WindowSize || scene.Width < Options.WindowSize)
            throw new ArgumentException($"Scene '{scene.Name}' is {scene.Width}x{scene.Height} px, smaller than the model's {Options.WindowSize} px window.");
    }

    /// <summary>
    /// Writes a finished run of <paramref name="task"/> (its model as it is now, e.g. with the best epoch's weights restored)
    /// as a training checkpoint: settings, data shape, the run's epochs (with the validation-tuned threshold) and weights.
    /// Resuming it trains nothing more; <see cref="Load"/> makes a predictor of it.
    /// </summary>
    public static void Save(string path, DenseTask task, TrainingSchedule schedule, TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(result);
        using var state = new LoopState
        {
            Epoch = result.Epochs.Count, GlobalStep = result.StepLosses.Count, Epochs = result.Epochs.ToList(), StepLosses = result.StepLosses.ToList(),
            BestEpoch = result.BestEpoch, EarlyStopped = true, // finished: a resume trains nothing more
        };
        using var optimizer = new MomentumSgd(task.TrainableParameters(), schedule.SgdMomentum, schedule.WeightDecay);
        TrainingCheckpoint.Save(path, task.Kind, task.SettingsJson, schedule, task.DataJson, state, task.Model, optimizer);
    }

    /// <summary>
    /// A predictor from a change-detection or segmentation checkpoint (written by <see cref="Save"/> or by a run's
    /// TrainingRunOptions.CheckpointPath, whose weights are then the last epoch's). Its threshold is the best epoch's
    /// validation-tuned one when the run had validation, else the options' threshold.
    /// </summary>
    /// <param name="deviceSpec">"auto", "cpu", "cuda" or "cuda:N".</param>
    public static DensePredictor Load(string path, string? deviceSpec = "auto")
    {
        var info = TrainingCheckpoint.Verify(path, "change-detection");
        if (info.Kind is not ("change-detection" or "segmentation"))
            throw new InvalidDataException($"'{path}' is a GeoSSL {info.Kind} checkpoint, not a change-detection or segmentation model.");
        DenseSettings settings;
        try { settings = ConfigJson.DeserializeValue<DenseSettings>(info.TaskSettingsJson); }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"'{path}': its dense-task settings cannot be read ({e.Message}).", e);
        }
        var device = DeviceSelector.Resolve(deviceSpec);
        var model = new DenseModel(settings.Options.Model);
        try
        {
            TrainingCheckpoint.LoadWeights(path, model, info.Kind);
            model.to(device);
            var best = info.BestEpoch is { } b && b <= info.Epochs.Count ? info.Epochs[b - 1] : null;
            float threshold = best?.ValidationMetric("threshold_tuned") is { } t ? (float)t : settings.Options.Threshold;
            return new DensePredictor(model, settings.Options, settings.Input, threshold, device, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (ownsModel) Model.Dispose();
    }
}

/// <summary>What a dense task stores as its settings: the task options and the input contract at the window size.</summary>
internal sealed record DenseSettings(DenseTaskOptions Options, ImageInputSpec Input);
