using System.Diagnostics;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Devices;
using GeoSSL.Core.Input;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Classification;

/// <summary>
/// Supervised fine-tuning of a <see cref="ResNetClassifier"/>: cross-entropy, SGD with momentum and weight decay,
/// warm-up + cosine schedule per step, optional frozen backbone (linear probe), batched augmentation, validation every
/// epoch, early stopping that restores the best epoch's weights, NaN guard, and the crash safety of pretraining: periodic
/// atomic training checkpoints (<see cref="FineTuneCheckpoint"/>), exact resume at an epoch or step, and cancellation that
/// writes a checkpoint. Every random choice comes from (seed, epoch, step), so equal configurations give equal runs on the
/// CPU, whether or not they were interrupted and resumed.
/// </summary>
public sealed class FineTuner : IDisposable
{
    private readonly FineTuneConfig config;
    private readonly ResNetClassifier model;
    private readonly MomentumSgd optimizer;
    private readonly Device device;
    private readonly InputNormalizer normalizer;

    public FineTuneConfig Config => config;
    public ResNetClassifier Model => model;
    public Device Device => device;

    public FineTuner(FineTuneConfig config, string? deviceSpec = "auto")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        this.config = config;
        normalizer = new InputNormalizer(config.Input);
        device = DeviceSelector.Resolve(deviceSpec);
        // The same rule as pretraining: oneDNN's CPU conv backward is wrong below 16 input channels; wide encoders keep its speed.
        if (device.type == DeviceType.CPU && config.Encoder.BaseWidth < 16) CpuConvolutionFix.Apply();
        if (device.type == DeviceType.CPU) HeapReuse.Apply(); // page faults, not arithmetic, bounded CPU steps at 224 px
        torch.manual_seed(config.Seed);
        model = new ResNetClassifier(config.Encoder, config.NumClasses);
        model.to(device);
        if (config.FreezeBackbone)
            foreach (var p in model.BackboneParameters()) p.requires_grad = false;
        var trainable = config.FreezeBackbone ? model.Fc.parameters() : model.parameters();
        optimizer = new MomentumSgd(trainable, config.SgdMomentum, config.WeightDecay);
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

    public FineTuneResult Train(ILabeledImageSource train, ILabeledImageSource? validation = null, FineTuneRunOptions? run = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        run ??= new FineTuneRunOptions();
        CheckRunOptions(run);
        CpuThreads.Apply(run.Threads);
        CheckSource(train, nameof(train));
        if (validation is not null) CheckSource(validation, nameof(validation));
        if (config.EarlyStopping && validation is null)
            throw new ArgumentException($"EarlyStoppingPatience ({config.EarlyStoppingPatience}) needs a validation set.", nameof(validation));
        if (validation is not null && (validation.Height != train.Height || validation.Width != train.Width))
            throw new ArgumentException($"Validation images are {validation.Height}x{validation.Width} but training images are {train.Height}x{train.Width}.", nameof(validation));

        int n = train.Count, size = train.Height;
        var data = new FineTuneData(n, validation?.Count, size);
        // Checkpoint problems (missing, corrupt, other settings or data) stop the run here, before any step.
        using var state = run.ResumeFrom is null ? new FineTuneState() : ResumeState(run.ResumeFrom, data);
        var batches = BatchPlan(n, config.BatchSize);
        long stepsPerEpoch = batches.Count;
        var augmenter = config.Augment ? BatchAugmenter.For(config.AugmentationFor(size), config.Input) : null;
        int imageBytes = train.Channels * train.Height * train.Width * train.BytesPerSample;
        var buffer = new byte[(batches.Max(b => b.Count)) * imageBytes];
        var labels = new long[batches.Max(b => b.Count)];
        int stopAt = Math.Min(config.Epochs, run.StopAfterEpochs ?? config.Epochs);
        void Save() { if (run.CheckpointPath is not null) FineTuneCheckpoint.Save(run.CheckpointPath, config, data, state, model, optimizer); }

        var total = Stopwatch.StartNew();
        run.Log?.Invoke($"Fine-tuning {ResNetClassifier.Describe(config.Encoder)} for {config.NumClasses} classes on {n} images of {size}x{size}" +
            $"{(validation is null ? "" : $" (validation {validation.Count})")}: {stepsPerEpoch} steps/epoch of up to {config.BatchSize}, {config.Epochs} epochs, " +
            $"{(config.FreezeBackbone ? "frozen backbone (fc only)" : "all layers")}, augmentation {(config.Augment ? "on" : "off")}, device {device}." +
            (run.ResumeFrom is null ? "" : state.EarlyStopped || state.Epoch >= config.Epochs
                ? $" Resumed from '{run.ResumeFrom}': that run is finished; nothing left to train."
                : $" Resumed from '{run.ResumeFrom}' at epoch {state.Epoch + 1}, step {state.StepInEpoch + 1}."));
        try
        {
            while (state.Epoch < stopAt && !state.EarlyStopped)
            {
                int epoch = state.Epoch;
                var order = StepRandom.EpochOrder(config.Seed, epoch, n);
                SetTrainingMode();
                double epochStartSeconds = state.EpochSeconds;
                var epochClock = Stopwatch.StartNew();
                var window = Stopwatch.StartNew();
                long windowImages = 0;
                while (state.StepInEpoch < stepsPerEpoch)
                {
                    if (run.CancellationToken.IsCancellationRequested)
                    {
                        state.EpochSeconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
                        Save();
                        run.CancellationToken.ThrowIfCancellationRequested();
                    }
                    int step = (int)state.StepInEpoch;
                    double lr = LearningRateSchedule.At(config.LearningRate, config.Epochs, config.WarmupEpochs, config.CosineSchedule, state.GlobalStep, stepsPerEpoch);
                    var (start, count) = batches[step];
                    for (int i = 0; i < count; i++)
                    {
                        int index = order[start + i];
                        train.Image(index).CopyTo(buffer.AsSpan(i * imageBytes, imageBytes));
                        labels[i] = train.Label(index);
                    }
                    var rng = StepRandom.For(config.Seed, epoch, step);
                    var (loss, right) = CollectionPause.Run(() => Step(buffer, labels, count, train, augmenter, rng, lr));
                    if (!double.IsFinite(loss))
                        throw new InvalidOperationException(
                            $"The fine-tuning loss became {loss} at epoch {epoch + 1}, step {step + 1} (learning rate {lr:G3}). " +
                            "Lower LearningRate or add WarmupEpochs (or report it with the settings: it can also be a numerical fault of the backend)" +
                            (run.CheckpointPath is null ? "." : $"; the checkpoint '{run.CheckpointPath}' still holds the last good state."));
                    state.StepLosses.Add((float)loss);
                    state.EpochLossSum += loss * count; state.EpochSeen += count; state.EpochCorrect += right;
                    state.StepInEpoch++; state.GlobalStep++; // from here on the state names the next step to run
                    windowImages += count;
                    long done = state.StepInEpoch;
                    if (run.Progress is not null && config.ReportEveryNSteps > 0 && done % config.ReportEveryNSteps == 0 && done < stepsPerEpoch)
                    {
                        run.Progress.Report(new FineTuneProgress
                        {
                            Epoch = epoch + 1, Epochs = config.Epochs, Step = done, StepsPerEpoch = stepsPerEpoch, Loss = loss,
                            TrainAccuracy = (double)state.EpochCorrect / state.EpochSeen, LearningRate = lr,
                            ImagesPerSecond = windowImages / Math.Max(window.Elapsed.TotalSeconds, 1e-9), Elapsed = total.Elapsed,
                        });
                        window.Restart(); windowImages = 0;
                    }
                    if (run.CheckpointEveryNSteps > 0 && done % run.CheckpointEveryNSteps == 0 && done < stepsPerEpoch)
                    {
                        state.EpochSeconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
                        Save();
                    }
                }
                double trainSeconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
                double? valLoss = null, valAccuracy = null;
                if (validation is not null) (valLoss, valAccuracy) = Evaluate(validation);
                // The epoch's rate is its last step's: recomputed from the step number, so a resumed epoch reports the same.
                double epochLr = LearningRateSchedule.At(config.LearningRate, config.Epochs, config.WarmupEpochs, config.CosineSchedule, state.GlobalStep - 1, stepsPerEpoch);
                long seen = state.EpochSeen;
                var summary = new FineTuneEpoch(epoch + 1, state.EpochLossSum / seen, (double)state.EpochCorrect / seen, valLoss, valAccuracy, epochLr,
                    seen / Math.Max(trainSeconds, 1e-9), epochStartSeconds + epochClock.Elapsed.TotalSeconds);
                state.Epochs.Add(summary);
                if (valAccuracy is { } accuracy)
                {
                    if (accuracy > state.BestAccuracy)
                    {
                        state.BestAccuracy = accuracy; state.BestEpoch = epoch + 1; state.EpochsSinceBest = 0;
                        if (config.EarlyStopping) state.KeepBestWeights(Snapshot());
                    }
                    else state.EpochsSinceBest++;
                }
                state.Epoch++; state.StepInEpoch = 0; state.EpochLossSum = 0; state.EpochSeen = state.EpochCorrect = 0; state.EpochSeconds = 0;
                var report = new FineTuneProgress
                {
                    IsEpochEnd = true, Epoch = epoch + 1, Epochs = config.Epochs, Step = stepsPerEpoch, StepsPerEpoch = stepsPerEpoch,
                    Loss = summary.TrainLoss, TrainAccuracy = summary.TrainAccuracy, ValidationLoss = valLoss, ValidationAccuracy = valAccuracy,
                    LearningRate = epochLr, ImagesPerSecond = summary.ImagesPerSecond, Elapsed = total.Elapsed,
                };
                run.Progress?.Report(report);
                run.Log?.Invoke(report.ToString());
                if (config.EarlyStopping && state.EpochsSinceBest >= config.EarlyStoppingPatience && epoch + 1 < config.Epochs)
                {
                    state.EarlyStopped = true;
                    run.Log?.Invoke($"Early stopping after epoch {epoch + 1}: validation accuracy has not improved for {state.EpochsSinceBest} epoch(s) " +
                        $"(best {state.BestAccuracy:P1} at epoch {state.BestEpoch}).");
                }
                bool periodic = run.CheckpointEveryNEpochs > 0 && state.Epoch % run.CheckpointEveryNEpochs == 0;
                if (periodic || state.Epoch == stopAt || state.EarlyStopped) Save();
            }
            bool completed = state.EarlyStopped || state.Epoch >= config.Epochs;
            bool restored = false;
            // The checkpoint keeps the last epoch's weights; the best ones are put in place only once training is over.
            if (completed && state.BestWeights is not null && state.BestEpoch != state.Epochs.Count)
            {
                Restore(state.BestWeights);
                restored = true;
                run.Log?.Invoke($"Restored the weights of epoch {state.BestEpoch} (validation accuracy {state.BestAccuracy:P1}).");
            }
            return new FineTuneResult(state.Epochs.ToList(), state.StepLosses.ToList(), state.BestEpoch, state.EarlyStopped, restored, total.Elapsed)
            {
                Completed = completed,
            };
        }
        finally
        {
            model.eval();
        }
    }

    private FineTuneState ResumeState(string path, FineTuneData data)
    {
        FineTuneCheckpoint.RequireSameSettings(path, FineTuneCheckpoint.Verify(path), config, data);
        return FineTuneCheckpoint.Load(path, model, optimizer);
    }

    private static void CheckRunOptions(FineTuneRunOptions run)
    {
        if (run.CheckpointEveryNEpochs < 0) throw new ArgumentOutOfRangeException(nameof(run.CheckpointEveryNEpochs), run.CheckpointEveryNEpochs, "Cannot be negative (0 turns periodic checkpoints off).");
        if (run.CheckpointEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(run.CheckpointEveryNSteps), run.CheckpointEveryNSteps, "Cannot be negative (0 turns step checkpoints off).");
        if (run.StopAfterEpochs < 1) throw new ArgumentOutOfRangeException(nameof(run.StopAfterEpochs), run.StopAfterEpochs, "Stop after at least one epoch (or null to train to the end).");
    }

    /// <summary>Mean cross-entropy and accuracy on <paramref name="data"/> (eval mode, no gradients). Leaves the model in eval mode.</summary>
    public (double Loss, double Accuracy) Evaluate(ILabeledImageSource data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckSource(data, nameof(data));
        model.eval();
        double lossSum = 0;
        long correct = 0;
        int imageBytes = data.Channels * data.Height * data.Width * data.BytesPerSample;
        int batch = Math.Min(config.EvaluationBatchSize, data.Count);
        var buffer = new byte[batch * imageBytes];
        var labels = new long[batch];
        using var _ = no_grad();
        for (int start = 0; start < data.Count; start += batch)
        {
            int count = Math.Min(batch, data.Count - start);
            for (int i = 0; i < count; i++)
            {
                data.Image(start + i).CopyTo(buffer.AsSpan(i * imageBytes, imageBytes));
                labels[i] = data.Label(start + i);
            }
            using var scope = NewDisposeScope();
            var logits = model.forward(Normalize(ToImages(buffer, count, data)));
            var y = tensor(labels.AsSpan(0, count).ToArray(), device: device);
            lossSum += F.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / data.Count, (double)correct / data.Count);
    }

    /// <summary>Class probabilities (softmax) of planar 0..255 images, [count][NumClasses]; eval mode, no gradients. Leaves the model in eval mode.</summary>
    public float[][] PredictProbabilities(ReadOnlySpan<byte> planar, int count, int height, int width)
    {
        model.eval();
        return ClassifierInference.PredictProbabilities(model, planar, count, config.Input.WithSize(height, width), config.EvaluationBatchSize);
    }

    private (double Loss, long Correct) Step(byte[] bytes, long[] labels, int count, ILabeledImageSource s, BatchAugmenter? augmenter, Random rng, double lr)
    {
        using var scope = NewDisposeScope();
        var x = ToImages(bytes, count, s);
        x = normalizer.Normalize(augmenter is null ? x : augmenter.Apply(x, rng));
        var y = tensor(labels.AsSpan(0, count).ToArray(), device: device);
        Tensor logits;
        if (config.FreezeBackbone)
        {
            Tensor features;
            using (no_grad()) features = model.Encoder.forward(x);
            logits = model.Fc.forward(features);
        }
        else logits = model.forward(x);
        var loss = F.cross_entropy(logits, y);
        optimizer.ZeroGrad();
        loss.backward();
        optimizer.Step(lr);
        long correct;
        using (no_grad()) correct = logits.argmax(1).eq(y).sum().item<long>();
        return (loss.item<float>(), correct);
    }

    private Tensor ToImages(byte[] bytes, int count, ILabeledImageSource s) => normalizer.ToUnitScale(bytes, count, s.Height, s.Width, device);

    private Tensor Normalize(Tensor x) => normalizer.Normalize(x);

    /// <summary>Training mode, except a frozen backbone, which stays in eval mode so its BatchNorm statistics do not move.</summary>
    private void SetTrainingMode()
    {
        model.train();
        if (config.FreezeBackbone) model.Encoder.eval();
    }

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

    private void CheckSource(ILabeledImageSource s, string name)
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

    private Dictionary<string, Tensor> Snapshot()
    {
        using var _ = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    private void Restore(Dictionary<string, Tensor> weights)
    {
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict()) t.copy_(weights[name]);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        model.Dispose();
    }
}
