using System.Diagnostics;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Devices;
using GeoSSL.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Engine;

/// <summary>
/// The one training loop: device chosen once with its CPU workarounds (<see cref="CpuWorkarounds"/>), seeds, per-step learning-rate schedule (linear warm-up, cosine decay), SGD with
/// momentum (<see cref="MomentumSgd"/>), a no-GC region around each step, a NaN guard, progress with named metrics,
/// cancellation that writes a checkpoint, validation every epoch with early stopping and best-weight restore, and
/// checkpoints that resume to exactly the uninterrupted run. A task (<see cref="ITrainingTask"/>) supplies the rest.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly TrainingSchedule schedule;

    /// <param name="deviceSpec">"auto" (CUDA when available), "cpu", "cuda" or "cuda:N".</param>
    public TrainingLoop(TrainingSchedule schedule, string? deviceSpec = "auto")
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.Validate();
        this.schedule = schedule;
        Device = DeviceSelector.Resolve(deviceSpec);
        if (Device.type == DeviceType.CPU) HeapReuse.Apply(); // page faults, not arithmetic, bounded CPU steps at 224 px
    }

    public TrainingSchedule Schedule => schedule;
    public Device Device { get; }

    /// <summary>Builds a task (or its model) on the loop's device after seeding libtorch, so equal seeds give equal initial weights.</summary>
    public T Build<T>(Func<Device, T> build)
    {
        torch.manual_seed(schedule.Seed);
        return build(Device);
    }

    public TrainingResult Run(ITrainingTask task, TrainingRunOptions? run = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        run ??= new TrainingRunOptions();
        CheckRun(run);
        CpuThreads.Apply(run.Threads);
        using var workarounds = CpuWorkarounds.ForTraining(Device, task.Model); // for this run only
        long stepsPerEpoch = task.StepsPerEpoch;
        if (stepsPerEpoch < 1) throw new ArgumentException($"The {task.Kind} task has no steps in an epoch (too little data for one batch?).", nameof(task));
        using var optimizer = new MomentumSgd(task.TrainableParameters(), schedule.SgdMomentum, schedule.WeightDecay, task.LearningRateScales);
        // Checkpoint problems (missing, corrupt, other settings or data) stop the run here, before any step.
        using var state = run.ResumeFrom is null ? new LoopState() : Resume(run.ResumeFrom, task, optimizer);
        int stopAt = Math.Min(schedule.Epochs, run.StopAfterEpochs ?? schedule.Epochs);
        void Save() { if (run.CheckpointPath is not null) TrainingCheckpoint.Save(run.CheckpointPath, task, schedule, state, optimizer); }

        var total = Stopwatch.StartNew();
        run.Log?.Invoke($"Training {task.Kind}: {task.Describe()}; {stepsPerEpoch} steps/epoch, {schedule.Epochs} epochs, device {Device}." +
            (run.ResumeFrom is null ? "" : state.EarlyStopped || state.Epoch >= schedule.Epochs
                ? $" Resumed from '{run.ResumeFrom}': that run is finished; nothing left to train."
                : $" Resumed from '{run.ResumeFrom}' at epoch {state.Epoch + 1}, step {state.StepInEpoch + 1}."));
        try
        {
            while (state.Epoch < stopAt && !state.EarlyStopped)
            {
                int epoch = state.Epoch;
                task.BeginEpoch(epoch, state.StepInEpoch);
                task.SetTrainingMode();
                double epochStartSeconds = state.EpochSeconds;
                var epochClock = Stopwatch.StartNew();
                var window = Stopwatch.StartNew();
                long windowSamples = 0;
                while (state.StepInEpoch < stepsPerEpoch)
                {
                    if (run.CancellationToken.IsCancellationRequested)
                    {
                        state.EpochSeconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
                        Save();
                        run.CancellationToken.ThrowIfCancellationRequested();
                    }
                    long step = state.StepInEpoch;
                    double lr = Rate(state.GlobalStep, stepsPerEpoch);
                    var rng = StepRandom.For(schedule.Seed, epoch, step);
                    var (loss, samples, sums) = CollectionPause.Run(() => Step(task, optimizer, epoch, step, rng, lr));
                    if (!double.IsFinite(loss))
                        throw new InvalidOperationException(
                            $"The {task.Kind} loss became {loss} at epoch {epoch + 1}, step {step + 1} (learning rate {lr:G3}). " +
                            "Lower LearningRate or add WarmupEpochs (or report it with the settings: it can also be a numerical fault of the backend)" +
                            (run.CheckpointPath is null ? "." : $"; the checkpoint '{run.CheckpointPath}' still holds the last good state."));
                    state.StepLosses.Add((float)loss);
                    foreach (var (name, value) in sums) state.EpochSums[name] = state.EpochSums.GetValueOrDefault(name) + value;
                    state.EpochSamples += samples;
                    state.StepInEpoch++; state.GlobalStep++; // from here on the state names the next step to run
                    windowSamples += samples;
                    long done = state.StepInEpoch;
                    if (run.Progress is not null && schedule.ReportEveryNSteps > 0 && done % schedule.ReportEveryNSteps == 0 && done < stepsPerEpoch)
                    {
                        run.Progress.Report(new TrainingProgress
                        {
                            Epoch = epoch + 1, Epochs = schedule.Epochs, Step = done, StepsPerEpoch = stepsPerEpoch,
                            Metrics = sums.ToDictionary(m => m.Key, m => m.Value / Math.Max(samples, 1)), LearningRate = lr,
                            SamplesPerSecond = windowSamples / Math.Max(window.Elapsed.TotalSeconds, 1e-9), Elapsed = total.Elapsed,
                        });
                        window.Restart(); windowSamples = 0;
                    }
                    if (run.CheckpointEveryNSteps > 0 && done % run.CheckpointEveryNSteps == 0 && done < stepsPerEpoch)
                    {
                        state.EpochSeconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
                        Save();
                    }
                }
                double trainSeconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
                // Validation (and the monitor) runs outside the timed epoch so samples/s stays the training speed.
                bool validate = (epoch + 1) % run.ValidateEveryNEpochs == 0 || epoch + 1 == stopAt;
                var validation = validate ? Validate(task) : null;
                // The epoch's rate is its last step's: recomputed from the step number, so a resumed epoch reports the same.
                double epochLr = Rate(state.GlobalStep - 1, stepsPerEpoch);
                var means = state.EpochSums.ToDictionary(m => m.Key, m => m.Value / Math.Max(state.EpochSamples, 1));
                var summary = new TrainingEpoch(epoch + 1, means, validation, epochLr, state.EpochSamples / Math.Max(trainSeconds, 1e-9),
                    epochStartSeconds + epochClock.Elapsed.TotalSeconds);
                state.Epochs.Add(summary);
                TrackBest(task, state, validation, epoch);
                state.Epoch++; state.StepInEpoch = 0; state.EpochSums = new(); state.EpochSamples = 0; state.EpochSeconds = 0;
                var report = new TrainingProgress
                {
                    IsEpochEnd = true, Epoch = epoch + 1, Epochs = schedule.Epochs, Step = stepsPerEpoch, StepsPerEpoch = stepsPerEpoch,
                    Metrics = means, Validation = validation, LearningRate = epochLr, SamplesPerSecond = summary.SamplesPerSecond, Elapsed = total.Elapsed,
                };
                run.Progress?.Report(report);
                run.Log?.Invoke(report.ToString());
                if (schedule.EarlyStopping && state.EpochsSinceBest >= schedule.EarlyStoppingPatience && epoch + 1 < schedule.Epochs)
                {
                    state.EarlyStopped = true;
                    run.Log?.Invoke($"Early stopping after epoch {epoch + 1}: validation {schedule.EarlyStoppingMetric} has not improved for " +
                        $"{state.EpochsSinceBest} epoch(s) (best {state.BestScore:F4} at epoch {state.BestEpoch}).");
                }
                bool periodic = run.CheckpointEveryNEpochs > 0 && state.Epoch % run.CheckpointEveryNEpochs == 0;
                if (periodic || state.Epoch == stopAt || state.EarlyStopped) Save();
            }
            bool completed = state.EarlyStopped || state.Epoch >= schedule.Epochs;
            bool restored = false;
            // The checkpoint keeps the last epoch's weights; the best ones are put in place only once training is over.
            if (completed && state.BestWeights is not null && state.BestEpoch != state.Epochs.Count)
            {
                Restore(task.Model, state.BestWeights);
                restored = true;
                run.Log?.Invoke($"Restored the weights of epoch {state.BestEpoch} (validation {schedule.EarlyStoppingMetric} {state.BestScore:F4}).");
            }
            return new TrainingResult(state.Epochs.ToList(), state.StepLosses.ToList(), state.BestEpoch, state.EarlyStopped, restored, completed, total.Elapsed);
        }
        finally
        {
            task.Model.eval();
        }
    }

    private double Rate(long globalStep, long stepsPerEpoch) =>
        LearningRateSchedule.At(schedule.LearningRate, schedule.Epochs, schedule.WarmupEpochs, schedule.CosineSchedule, globalStep, stepsPerEpoch);

    private static (double Loss, int Samples, IReadOnlyDictionary<string, double> Sums) Step(ITrainingTask task, MomentumSgd optimizer, int epoch, long step, Random rng, double lr)
    {
        using var scope = NewDisposeScope();
        var output = task.Step(epoch, step, rng);
        optimizer.ZeroGrad();
        output.Loss.backward();
        optimizer.Step(lr);
        return (output.Loss.item<float>(), output.Samples, output.Sums);
    }

    private static IReadOnlyDictionary<string, double>? Validate(ITrainingTask task)
    {
        using var _ = no_grad();
        task.Model.eval();
        try { return task.Validate(); }
        finally { task.SetTrainingMode(); }
    }

    private void TrackBest(ITrainingTask task, LoopState state, IReadOnlyDictionary<string, double>? validation, int epoch)
    {
        if (validation is null) return;
        if (!validation.TryGetValue(schedule.EarlyStoppingMetric, out double score))
        {
            if (!schedule.EarlyStopping) return; // e.g. pretraining's monitor: reported, nothing to keep
            throw new InvalidOperationException($"The {task.Kind} validation reports no '{schedule.EarlyStoppingMetric}' (it has {string.Join(", ", validation.Keys)}): " +
                "set EarlyStoppingMetric to one of them.");
        }
        if (score > state.BestScore) // NaN never counts as better
        {
            state.BestScore = score; state.BestEpoch = epoch + 1; state.EpochsSinceBest = 0;
            if (schedule.EarlyStopping) state.KeepBestWeights(Snapshot(task.Model));
        }
        else state.EpochsSinceBest++;
    }

    private LoopState Resume(string path, ITrainingTask task, MomentumSgd optimizer)
    {
        TrainingCheckpoint.RequireSameSettings(path, TrainingCheckpoint.Verify(path, task.Kind), task, schedule);
        return TrainingCheckpoint.Load(path, task.Model, optimizer, task.Kind);
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var _ = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    private static void Restore(nn.Module model, Dictionary<string, Tensor> weights)
    {
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict()) t.copy_(weights[name]);
    }

    private static void CheckRun(TrainingRunOptions run)
    {
        if (run.CheckpointEveryNEpochs < 0) throw new ArgumentOutOfRangeException(nameof(run.CheckpointEveryNEpochs), run.CheckpointEveryNEpochs, "Cannot be negative (0 writes the checkpoint only at the end).");
        if (run.CheckpointEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(run.CheckpointEveryNSteps), run.CheckpointEveryNSteps, "Cannot be negative (0 turns step checkpoints off).");
        if (run.ValidateEveryNEpochs < 1) throw new ArgumentOutOfRangeException(nameof(run.ValidateEveryNEpochs), run.ValidateEveryNEpochs, "Must be 1 or more (the last epoch is always validated).");
        if (run.StopAfterEpochs < 1) throw new ArgumentOutOfRangeException(nameof(run.StopAfterEpochs), run.StopAfterEpochs, "Stop after at least one epoch (or null to train to the end).");
    }
}
