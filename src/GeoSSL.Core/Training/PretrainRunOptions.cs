namespace GeoSSL.Core.Training;

/// <summary>How a run is carried out (not what is learned): device, checkpoints, reporting, cancellation.</summary>
public sealed record PretrainRunOptions
{
    /// <summary>"auto", "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "auto";
    /// <summary>CPU threads of libtorch (process-wide, see <see cref="Devices.CpuThreads"/>); null leaves the current count (every core by default).</summary>
    public int? Threads { get; init; }

    /// <summary>Checkpoint file written during training; null writes none.</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>Write the checkpoint every this many epochs (and at the end). 0 disables periodic checkpoints.</summary>
    public int CheckpointEveryNEpochs { get; init; } = 1;
    /// <summary>Also write it every this many steps within an epoch; 0 disables.</summary>
    public int CheckpointEveryNSteps { get; init; }

    /// <summary>
    /// Identity of the training data (e.g. GeoSSL.Data.Records.RecordFingerprint), stored in checkpoints; a resume whose
    /// fingerprint differs from the checkpoint's is refused (an exact resume needs the same rows in the same order).
    /// </summary>
    public string? DataFingerprint { get; init; }

    /// <summary>Checkpoint to continue from (same epoch and step); null starts fresh.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Stop (after writing a checkpoint, if a path is set) once this many epochs are done; null trains to the end.</summary>
    public int? StopAfterEpochs { get; init; }

    /// <summary>Measures the encoder (embedding collapse, kNN) at the end of every <see cref="MonitorEveryNEpochs"/>-th epoch and of the last.</summary>
    public Evaluation.EncoderMonitor? Monitor { get; init; }
    public int MonitorEveryNEpochs { get; init; } = 1;

    public IProgress<PretrainProgress>? Progress { get; init; }
    public Action<string>? Log { get; init; }
    public CancellationToken CancellationToken { get; init; }
}
