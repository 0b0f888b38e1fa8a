using GeoSSL.Core.Engine;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Dense;

namespace GeoSSL.Core.Dense;

/// <summary>The settings of a change-detection training run on whole cities (the detect-changes verbs' recipe).</summary>
internal sealed record ChangeDetectionSettings
{
    /// <summary>Side of the random training windows.</summary>
    public int Window { get; init; } = 64;
    /// <summary>Starting encoder weights (GeoSSL checkpoint, ONNX ResNet, state dict); null for random.</summary>
    public string? InitialEncoderPath { get; init; }
    /// <summary>The starting weights take BGR (e.g. ML.NET's ResNet18.onnx).</summary>
    public bool InitialWeightsReverseChannels { get; init; }
    /// <summary>First-stage width of a random ResNet-18 (files bring their own).</summary>
    public int BaseWidth { get; init; } = 64;
    public int Epochs { get; init; } = 8;
    public double LearningRate { get; init; } = 0.01;
    public int Seed { get; init; } = 1;
    public int BatchSize { get; init; } = 8;
    public int WindowsPerEpoch { get; init; } = 512;
    public bool FreezeEncoder { get; init; }
    public string Device { get; init; } = "auto";
    /// <summary>Progress reports every this many steps as well as at epoch ends; 0 only at epoch ends.</summary>
    public int ReportEveryNSteps { get; init; }
}

/// <summary>
/// Change detection on whole cities: a siamese U-Net trained on random windows of the training cities, early stopping and the
/// change threshold chosen on the validation cities (F1 at the tuned threshold), saved as one model file; then cities scored
/// with overlapping windows, per city and pooled, with one overlay panel per city. One implementation for every front end
/// (the sample's and the tool's detect-changes verbs).
/// </summary>
internal static class ChangeDetectionRun
{
    /// <summary>Trains, saves the model to <paramref name="modelPath"/> and returns the run. Cancellation throws before saving.</summary>
    public static TrainingResult Train(ChangeDetectionSettings settings, IReadOnlyList<DenseScene> train, IReadOnlyList<DenseScene> validation,
        string modelPath, TrainingRunOptions? run = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (train.Count == 0) throw new ArgumentException("Change detection needs at least one training city.", nameof(train));
        var bands = train[0].Scene.Bands;
        var input = ChangeCities.InputFor(train, settings.Window);
        using var initial = settings.InitialEncoderPath is null ? null
            : InitialWeights.Load(settings.InitialEncoderPath, settings.InitialWeightsReverseChannels, bands.Count == 3 ? null : bands.ToList());
        var layout = initial?.Options ?? new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = settings.BaseWidth, InputChannels = bands.Count };
        var schedule = new TrainingSchedule
        {
            Epochs = settings.Epochs, LearningRate = settings.LearningRate, WarmupEpochs = 1, Seed = settings.Seed, ReportEveryNSteps = settings.ReportEveryNSteps,
            EarlyStoppingPatience = validation.Count > 0 ? 4 : null, EarlyStoppingMetric = "f1_tuned",
        };
        var options = new DenseTaskOptions
        {
            Model = DenseModelOptions.Change(layout) with { FreezeEncoder = settings.FreezeEncoder },
            WindowSize = settings.Window, BatchSize = settings.BatchSize, WindowsPerEpoch = settings.WindowsPerEpoch,
        };
        var loop = new TrainingLoop(schedule, settings.Device);
        using var task = loop.Build(d => new DenseTask(d, options, input, train, validation, schedule.Seed));
        if (initial is not null) task.Model.LoadEncoderWeights(initial);
        var result = loop.Run(task, run);
        DensePredictor.Save(modelPath, task, schedule, result);
        return result;
    }

    /// <summary>
    /// Scores <paramref name="cities"/> at <paramref name="threshold"/>, writes &lt;city&gt;.png overlay panels (t1 | t2 | truth |
    /// prediction) into <paramref name="outDir"/>, and returns the per-city and pooled counts; <paramref name="scored"/> sees each
    /// city's counts as soon as it is done.
    /// </summary>
    public static ChangeMetrics Score(DensePredictor predictor, IReadOnlyList<DenseScene> cities, string outDir, float threshold,
        Action<string, BinaryConfusion>? scored = null)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        var metrics = new ChangeMetrics();
        foreach (var city in cities)
        {
            var probability = predictor.PredictPositive(city);
            metrics.Add(city.Name, probability, city.Mask.Span, threshold);
            scored?.Invoke(city.Name, metrics.PerCity[city.Name]);
            var rgb = ChangeCities.RgbPlanes(city);
            ChangeOverlay.WritePanel(Path.Combine(outDir, $"{city.Name}.png"), rgb.T1, rgb.T2, city.Height, city.Width, city.Mask.Span,
                ChangeOverlay.Threshold(probability, threshold));
        }
        return metrics;
    }
}
