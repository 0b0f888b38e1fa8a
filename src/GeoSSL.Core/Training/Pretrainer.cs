using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Devices;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Evaluation;
using GeoSSL.Core.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Training;

/// <summary>
/// GASSL pretraining: builds the MoCo/Geo model (<see cref="GeoMoco"/>) on the device once and trains it with the one
/// training loop (<see cref="TrainingLoop"/>: SGD with momentum, warm-up + cosine, checkpoints with exact resume,
/// cancellation, NaN guard) through <see cref="PretrainTask"/>. Checkpoints are training checkpoints of kind "pretraining",
/// which are also the files encoders are read from (<see cref="Checkpoint"/>).
/// </summary>
internal sealed class Pretrainer : IDisposable
{
    private readonly PretrainConfig config;
    private readonly TrainingLoop loop;
    private readonly GeoMoco model;

    public PretrainConfig Config => config;
    public GeoMoco Model => model;
    public Device Device => loop.Device;
    public ResNetEncoder Encoder => model.QueryEncoder;

    public Pretrainer(PretrainConfig config, string? deviceSpec = "auto")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        this.config = config;
        loop = new TrainingLoop(PretrainTask.ScheduleOf(config), deviceSpec);
        model = loop.Build(device =>
        {
            var m = new GeoMoco(config.Model);
            m.to(device);
            return m;
        });
        if (config.FrozenStages > 0) model.FreezeLeadingStages(config.FrozenStages); // before the optimiser takes the trainable parameters
    }

    /// <summary>
    /// Sets starting weights of the encoder (e.g. ImageNet weights through <c>InitialWeights.LoadInto</c>) before training;
    /// the momentum encoder is made equal to it. A resumed run ignores them: the checkpoint's weights win.
    /// </summary>
    public void InitializeEncoder(Action<ResNetEncoder> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        load(model.QueryEncoder);
        model.SyncKeyEncoder();
    }

    /// <summary>Rebuilds a trainer from a checkpoint's configuration (weights are loaded by <see cref="Train"/> with ResumeFrom, or by <see cref="LoadWeights"/>).</summary>
    public static Pretrainer FromCheckpoint(string path, string? deviceSpec = "auto") => new(Checkpoint.ReadConfig(path), deviceSpec);

    /// <summary>Loads a checkpoint's weights (for featurizing without training).</summary>
    public void LoadWeights(string path) => Checkpoint.LoadWeights(path, model);

    /// <summary>
    /// Trains on <paramref name="source"/>. <paramref name="monitor"/> measures the encoder (embedding spread, kNN) after every
    /// <see cref="TrainingRunOptions.ValidateEveryNEpochs"/>-th epoch and the last, reported as validation metrics
    /// (<see cref="MetricNames.EmbeddingStd"/>, <see cref="MetricNames.KnnTop1"/>). <paramref name="dataFingerprint"/> identifies
    /// the rows (e.g. GeoSSL.Data.Records.RecordFingerprint); it is stored in checkpoints, and a resume on other rows is refused.
    /// </summary>
    public TrainingResult Train(IPretrainBatchSource source, TrainingRunOptions? run = null, EncoderMonitor? monitor = null, string? dataFingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        run ??= new TrainingRunOptions();
        ValidateSource(source);
        string? fingerprint = dataFingerprint;
        if (run.ResumeFrom is { } resume)
        {
            // Checkpoint problems (earlier version, other settings or data) stop the run here, before any step.
            Checkpoint.RequireResumable(resume);
            Checkpoint.RequireSameSettings(resume, Checkpoint.Verify(resume), config);
            string? saved = Checkpoint.ReadDataFingerprint(resume);
            Checkpoint.RequireSameData(resume, saved, dataFingerprint);
            fingerprint ??= saved; // a caller that does not know the rows' identity keeps the checkpoint's
        }
        var task = new PretrainTask(loop.Device, config, model, source, monitor, fingerprint);
        return loop.Run(task, run);
    }

    private void ValidateSource(IPretrainBatchSource source)
    {
        var enc = config.Model.Encoder;
        if (source.Channels != enc.InputChannels)
            throw new ArgumentException($"The data has {source.Channels} channels but the encoder expects {enc.InputChannels}.");
        if (source.SampleType != config.Input.StoredAs)
            throw new ArgumentException($"The data holds {source.SampleType} samples but the input spec ({config.Input}) needs {config.Input.StoredAs}.");
        if (source.Count < config.BatchSize)
            throw new ArgumentException($"Only {source.Count} images for a batch size of {config.BatchSize}: provide more rows or lower the batch size.");
    }

    public void Dispose() => model.Dispose();
}
