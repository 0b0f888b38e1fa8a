using GeoSSL.Core.Devices;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Input;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Classification;

/// <summary>
/// Supervised fine-tuning of a <see cref="ResNetClassifier"/> in a few calls: build the classifier, load starting weights,
/// train, evaluate, predict. Training is the one training loop (<see cref="TrainingLoop"/>) running a
/// <see cref="ClassificationTask"/>, so fine-tuning has the loop's schedule, NaN guard, early stopping with best-weight
/// restore, atomic checkpoints (<see cref="FineTuneCheckpoint"/>), exact resume and cancellation, and equal configurations
/// give equal runs on the CPU whether or not they were interrupted and resumed.
/// </summary>
internal sealed class FineTuner : IDisposable
{
    private readonly FineTuneConfig config;
    private readonly TrainingLoop loop;
    private readonly ResNetClassifier model;
    private readonly InputNormalizer normalizer;

    public FineTuneConfig Config => config;
    public ResNetClassifier Model => model;
    public Device Device => loop.Device;
    /// <summary>The loop's share of <see cref="Config"/> (<see cref="FineTuneConfig.ToSchedule"/>).</summary>
    public TrainingSchedule Schedule => loop.Schedule;

    public FineTuner(FineTuneConfig config, string? deviceSpec = "auto")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        this.config = config;
        normalizer = new InputNormalizer(config.Input);
        loop = new TrainingLoop(config.ToSchedule(), deviceSpec); // resolves the device once
        model = loop.Build(device => // seeded: equal seeds give equal initial weights (the loop applies CPU workarounds per run)
        {
            var m = new ResNetClassifier(config.Encoder, config.NumClasses);
            m.to(device);
            return m;
        });
    }

    /// <summary>Copies a pretrained encoder's weights (and BatchNorm statistics) into the backbone; <c>fc</c> keeps its initialisation.</summary>
    public void LoadEncoder(ResNetEncoder encoder) => model.LoadEncoderWeights(encoder);

    /// <summary>Loads the query encoder of a pretraining checkpoint (<c>.ckpt</c> written by <see cref="Pretrainer"/>) into the backbone.</summary>
    public void LoadPretrainedEncoder(string checkpointPath)
    {
        var info = PretrainedEncoder.Read(checkpointPath);
        if (info.Encoder != config.Encoder)
            throw new ArgumentException($"Checkpoint '{checkpointPath}' holds a {ResNetClassifier.Describe(info.Encoder)} encoder but this classifier was built as " +
                $"{ResNetClassifier.Describe(config.Encoder)}; build the FineTuneConfig from PretrainedEncoder.Read(path).Encoder.", nameof(checkpointPath));
        PretrainedEncoder.LoadInto(checkpointPath, model);
    }

    /// <summary>
    /// Loads published backbone weights (an ONNX ResNet or a PyTorch state dict; see <see cref="Import.InitialWeights"/>) into the
    /// backbone; errors name the file and the first parameter that does not fit.
    /// </summary>
    public void LoadInitialWeights(string path, bool reverseInputChannels = false) =>
        Import.InitialWeights.LoadInto(model.Encoder, path, reverseInputChannels);

    /// <summary>Rebuilds a fine-tuner from a training checkpoint's configuration (its weights are loaded by <see cref="Train"/> with ResumeFrom).</summary>
    public static FineTuner FromCheckpoint(string path, string? deviceSpec = "auto") => new(FineTuneCheckpoint.Verify(path).Config, deviceSpec);

    /// <summary>
    /// Trains the classifier: progress reports carry the metrics "loss" and "accuracy" (training) and, at epoch ends with
    /// validation data, validation "loss" and "accuracy"; the best epoch is the one with the highest validation accuracy.
    /// A checkpoint (<see cref="TrainingRunOptions.CheckpointPath"/>) is for resuming, not the trained model (save that with
    /// <see cref="ClassifierCheckpoint"/>); a resume's weights replace any loaded starting weights. Each call starts a new
    /// optimiser (no momentum carried over from an earlier call).
    /// </summary>
    public TrainingResult Train(ILabeledImageSource train, ILabeledImageSource? validation = null, TrainingRunOptions? run = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        var task = new ClassificationTask(model, config, Device, train, validation); // checks the images against the configuration
        return loop.Run(task, run);
    }

    /// <summary>Mean cross-entropy and accuracy on <paramref name="data"/> (eval mode, no gradients). Leaves the model in eval mode.</summary>
    public (double Loss, double Accuracy) Evaluate(ILabeledImageSource data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ClassificationTask.CheckSource(config, data, nameof(data));
        return ClassifierEvaluation.Run(model, normalizer, data, config.EvaluationBatchSize, Device);
    }

    /// <summary>Class probabilities (softmax) of planar 0..255 images, [count][NumClasses]; eval mode, no gradients. Leaves the model in eval mode.</summary>
    public float[][] PredictProbabilities(ReadOnlySpan<byte> planar, int count, int height, int width)
    {
        model.eval();
        return ClassifierInference.PredictProbabilities(model, planar, count, config.Input.WithSize(height, width), config.EvaluationBatchSize);
    }

    public void Dispose() => model.Dispose();
}
