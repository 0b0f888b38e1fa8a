using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Core.Engine;

/// <summary>
/// What a task gives the one training loop (<see cref="TrainingLoop"/>): its model, one step's loss with named metrics, and
/// its validation. The loop owns everything else: seeds, the learning-rate schedule, the optimiser, the GC pause, the NaN
/// guard, progress, cancellation, validation with early stopping and best weights, and checkpoints with exact resume.
/// A new downstream task is one small class, as a torchgeo trainer is over its BaseTask.
/// </summary>
internal interface ITrainingTask
{
    /// <summary>Short name stored in checkpoints, so a checkpoint of another task is refused by name (e.g. "change-detection").</summary>
    string Kind { get; }

    /// <summary>The task's settings as JSON: stored in checkpoints and compared setting by setting when resuming.</summary>
    string SettingsJson { get; }

    /// <summary>What a resume can check of the data (counts, sizes) as JSON: the visiting order and batches follow from it.</summary>
    string DataJson { get; }

    /// <summary>The module whose weights (and BatchNorm statistics) are trained, checkpointed and restored.</summary>
    nn.Module Model { get; }

    /// <summary>The device the model lives on; batches are put there.</summary>
    Device Device { get; }

    /// <summary>Parameters the optimiser updates (frozen parts left out).</summary>
    IEnumerable<Parameter> TrainableParameters();

    /// <summary>
    /// Per parameter of <see cref="TrainableParameters"/>, in that order, the factor on the scheduled learning rate (e.g. a
    /// head that must learn from scratch beside an encoder adapted gently); null: 1 for every parameter.
    /// </summary>
    IReadOnlyList<double>? LearningRateScales => null;

    /// <summary>Steps in every epoch (the loop visits them in order; the task decides what each holds from (epoch, step)).</summary>
    long StepsPerEpoch { get; }

    /// <summary>Training mode, with frozen parts (e.g. a frozen encoder) kept in eval mode.</summary>
    void SetTrainingMode();

    /// <summary>
    /// Called at the start of every epoch, and of a resumed one at <paramref name="firstStep"/>, before its first
    /// <see cref="Step"/>: a task fixes the epoch's visiting order here, and a streaming source starts decoding ahead.
    /// </summary>
    void BeginEpoch(int epoch, long firstStep) { }

    /// <summary>
    /// One step's forward pass: the loss to minimise and per-step sums of named metrics (each weighted by the samples it
    /// covers, e.g. "loss" = mean loss x samples). Every random choice comes from <paramref name="rng"/>, which depends only on
    /// (seed, epoch, step), so a resumed run replays the uninterrupted one. The loop does backward and the optimiser step.
    /// </summary>
    StepOutput Step(int epoch, long step, Random rng);

    /// <summary>
    /// Validation metrics in eval mode without gradients (higher-is-better ones can drive early stopping); null without
    /// validation data. Pretraining's monitor (kNN, embedding spread) reports here too.
    /// </summary>
    IReadOnlyDictionary<string, double>? Validate();

    /// <summary>One line for the start of the log (model, data, what is frozen).</summary>
    string Describe();
}

/// <summary>One step of a task: the loss tensor (with its graph) and metric sums over <paramref name="Samples"/> samples.</summary>
internal sealed record StepOutput(Tensor Loss, int Samples, IReadOnlyDictionary<string, double> Sums);
