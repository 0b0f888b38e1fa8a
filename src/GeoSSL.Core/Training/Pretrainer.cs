using System.Diagnostics;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Devices;
using GeoSSL.Core.Input;
using GeoSSL.Core.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Core.Training;

/// <summary>
/// The GASSL training loop: MoCo-v2 (+ temporal positives from the batch source) (+ geo pretext),
/// SGD with momentum, warm-up + cosine schedule, periodic atomic checkpoints, exact resume, cancellation.
/// </summary>
public sealed class Pretrainer : IDisposable
{
    private readonly PretrainConfig config;
    private readonly GeoMoco model;
    private readonly SGD optimizer;
    private readonly BatchAugmenter augmenter;
    private readonly InputNormalizer normalizer;
    private readonly Device device;

    public PretrainConfig Config => config;
    public GeoMoco Model => model;
    public Device Device => device;
    public ResNetEncoder Encoder => model.QueryEncoder;

    public Pretrainer(PretrainConfig config, string? deviceSpec = "auto")
    {
        config.Validate();
        this.config = config;
        device = DeviceSelector.Resolve(deviceSpec);
        // Only narrow encoders hit the oneDNN fault (layers under 16 channels); wide ones keep oneDNN, ~3x faster here.
        if (device.type == DeviceType.CPU && config.Model.Encoder.BaseWidth < 16) CpuConvolutionFix.Apply();
        if (device.type == DeviceType.CPU) HeapReuse.Apply(); // page faults, not arithmetic, bounded CPU steps at 224 px
        torch.manual_seed(config.Seed);
        model = new GeoMoco(config.Model);
        model.to(device);
        if (config.FrozenStages > 0) model.FreezeLeadingStages(config.FrozenStages); // before the optimiser takes the trainable parameters
        optimizer = torch.optim.SGD(model.TrainableParameters(), config.LearningRate, momentum: config.SgdMomentum, weight_decay: config.WeightDecay);
        augmenter = BatchAugmenter.For(config.Augmentation, config.Input);
        normalizer = new InputNormalizer(config.Input);
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

    /// <summary>Loads a checkpoint's weights and returns its state (for featurizing without training).</summary>
    public TrainingState LoadWeights(string path) => Checkpoint.Load(path, model, optimizer);

    public PretrainResult Train(IPretrainBatchSource source, PretrainRunOptions? run = null)
    {
        run ??= new PretrainRunOptions();
        ValidateSource(source);
        CpuThreads.Apply(run.Threads);
        var state = run.ResumeFrom is null ? new TrainingState() : ResumeState(run.ResumeFrom);
        if (run.ResumeFrom is not null) Checkpoint.RequireSameData(run.ResumeFrom, state.DataFingerprint, run.DataFingerprint);
        state.DataFingerprint = run.DataFingerprint ?? state.DataFingerprint;
        long stepsPerEpoch = source.Count / config.BatchSize;
        int b = config.BatchSize, pixels = source.Channels * source.Height * source.Width * config.Input.BytesPerSample;
        var view1 = new byte[b * pixels];
        var view2 = new byte[b * pixels];
        var geo = new long[b];
        var total = Stopwatch.StartNew();
        int stopAt = Math.Min(config.Epochs, run.StopAfterEpochs ?? config.Epochs);
        run.Log?.Invoke($"Pretraining {config.Variant}: {source.Count} images, {stepsPerEpoch} steps/epoch of {b}, epochs {state.Epoch + 1}-{stopAt} of {config.Epochs}, device {device}.");
        TrainMode();

        while (state.Epoch < stopAt)
        {
            var order = StepRandom.EpochOrder(config.Seed, state.Epoch, source.Count);
            int epoch = state.Epoch; // captured by the plan's generator, which streaming sources call from their decoding threads
            source.PlanEpoch(new EpochPlan(epoch, order, b, state.StepInEpoch, stepsPerEpoch, step => StepRandom.For(config.Seed, epoch, step)));
            var window = Stopwatch.StartNew();
            long windowImages = 0;
            var epochClock = Stopwatch.StartNew();
            double epochStartSeconds = state.EpochSeconds;
            for (; state.StepInEpoch < stepsPerEpoch; state.StepInEpoch++, state.GlobalStep++)
            {
                if (run.CancellationToken.IsCancellationRequested)
                {
                    state.EpochSeconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
                    if (run.CheckpointPath is not null) Checkpoint.Save(run.CheckpointPath, config, state, model, optimizer);
                    run.CancellationToken.ThrowIfCancellationRequested();
                }
                double lr = LearningRateSchedule.At(config, state.GlobalStep, stepsPerEpoch);
                foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
                var anchors = order.AsSpan((int)(state.StepInEpoch * b), b);
                var rng = StepRandom.For(config.Seed, state.Epoch, state.StepInEpoch);
                source.FillBatch(anchors, rng, view1, view2, geo);
                var (loss, lc, lg) = CollectionPause.Run(() => Step(view1, view2, geo, source, rng));
                if (!double.IsFinite(loss))
                    throw new InvalidOperationException(
                        $"The loss became {loss} at epoch {state.Epoch + 1}, step {state.StepInEpoch + 1} (contrastive {lc}, geo {lg}). " +
                        "Lower the learning rate or add warm-up (or report it with the settings: it can also be a numerical fault of the backend); the last checkpoint, if any, is unchanged.");
                state.EpochLossSum += loss; state.EpochContrastiveSum += lc; state.EpochGeoSum += lg;
                state.StepLosses.Add((float)loss);
                windowImages += b;
                long done = state.StepInEpoch + 1;
                if (run.Progress is not null && config.ReportEveryNSteps > 0 && done % config.ReportEveryNSteps == 0 && done < stepsPerEpoch)
                {
                    run.Progress.Report(new PretrainProgress
                    {
                        Epoch = state.Epoch + 1, Epochs = config.Epochs, Step = done, StepsPerEpoch = stepsPerEpoch,
                        Loss = loss, ContrastiveLoss = lc, GeoLoss = lg, LearningRate = lr,
                        ImagesPerSecond = windowImages / window.Elapsed.TotalSeconds, Elapsed = total.Elapsed,
                    });
                    window.Restart(); windowImages = 0;
                }
                if (run.CheckpointPath is not null && run.CheckpointEveryNSteps > 0 && done % run.CheckpointEveryNSteps == 0 && done < stepsPerEpoch)
                {
                    state.StepInEpoch++; state.GlobalStep++; // the checkpoint records the next step to run
                    state.EpochSeconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
                    Checkpoint.Save(run.CheckpointPath, config, state, model, optimizer);
                    state.StepInEpoch--; state.GlobalStep--;
                }
            }
            double seconds = epochStartSeconds + epochClock.Elapsed.TotalSeconds;
            // The monitor runs outside the timed epoch so images/s stays the training speed.
            var health = MonitorAt(run, state.Epoch + 1, stopAt);
            var summary = new EpochSummary(state.Epoch + 1, state.EpochLossSum / stepsPerEpoch, state.EpochContrastiveSum / stepsPerEpoch,
                state.EpochGeoSum / stepsPerEpoch, LearningRateSchedule.At(config, state.GlobalStep - 1, stepsPerEpoch),
                stepsPerEpoch * b / Math.Max(seconds, 1e-9), seconds, health?.KnnAccuracy, health?.NormalizedEmbeddingStd);
            state.Epochs.Add(summary);
            state.Epoch++; state.StepInEpoch = 0; state.EpochLossSum = state.EpochContrastiveSum = state.EpochGeoSum = state.EpochSeconds = 0;
            var report = new PretrainProgress
            {
                IsEpochEnd = true, Epoch = summary.Epoch, Epochs = config.Epochs, Step = stepsPerEpoch, StepsPerEpoch = stepsPerEpoch,
                Loss = summary.Loss, ContrastiveLoss = summary.ContrastiveLoss, GeoLoss = summary.GeoLoss, LearningRate = summary.LearningRate,
                ImagesPerSecond = summary.ImagesPerSecond, Elapsed = total.Elapsed,
                KnnAccuracy = summary.KnnAccuracy, EmbeddingStd = summary.EmbeddingStd,
            };
            run.Progress?.Report(report);
            run.Log?.Invoke(report.ToString());
            bool periodic = run.CheckpointEveryNEpochs > 0 && state.Epoch % run.CheckpointEveryNEpochs == 0;
            if (run.CheckpointPath is not null && (periodic || state.Epoch == stopAt))
                Checkpoint.Save(run.CheckpointPath, config, state, model, optimizer);
        }
        model.eval();
        return new PretrainResult(state.Epochs.ToList(), state.StepLosses.ToList(), total.Elapsed, state.Epoch >= config.Epochs);
    }

    private Evaluation.EncoderHealth? MonitorAt(PretrainRunOptions run, int epoch, int lastEpoch)
    {
        if (run.Monitor is null || run.MonitorEveryNEpochs <= 0) return null;
        if (epoch % run.MonitorEveryNEpochs != 0 && epoch != lastEpoch) return null;
        try { return run.Monitor.Evaluate(model.QueryEncoder); }
        finally { TrainMode(); }
    }

    private void TrainMode()
    {
        model.train();
        if (config.FreezeBatchNormStatistics) model.FreezeBatchNormStatistics();
        if (config.FrozenStages > 0) model.FreezeLeadingStages(config.FrozenStages);
    }

    private TrainingState ResumeState(string path)
    {
        Checkpoint.RequireSameSettings(path, Checkpoint.ReadConfig(path), config); // Load verifies the checksum
        return Checkpoint.Load(path, model, optimizer);
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

    private (double Loss, double Contrastive, double Geo) Step(byte[] v1, byte[] v2, long[] geo, IPretrainBatchSource s, Random rng)
    {
        using var scope = NewDisposeScope();
        long b = config.BatchSize;
        Tensor View(byte[] samples) => normalizer.Normalize(augmenter.Apply(normalizer.ToUnitScale(samples, (int)b, s.Height, s.Width, device), rng));
        var x1 = View(v1);
        var (_, projection) = model.EncodeQuery(x1, config.BatchNormGroups);
        Tensor loss = zeros(1, device: device).squeeze();
        double lc = 0, lg = 0;
        Tensor? keys = null;
        if (config.Variant.UsesContrastive())
        {
            var x2 = View(v2);
            var q = F.normalize(projection, dim: 1);
            model.MomentumUpdate();
            var shuffle = Enumerable.Range(0, (int)b).Select(i => (long)i).ToArray();
            rng.Shuffle(shuffle);
            keys = model.EncodeKeys(x2, shuffle, config.BatchNormGroups);
            var logits = model.ContrastiveLogits(q, keys);
            var contrastive = F.cross_entropy(logits, zeros(b, ScalarType.Int64, device: device));
            lc = contrastive.item<float>();
            loss = loss + contrastive * config.ContrastiveWeight;
        }
        if (config.Variant.UsesGeo())
        {
            var geoLoss = F.cross_entropy(model.GeoLogits(projection), tensor(geo, device: device));
            lg = geoLoss.item<float>();
            loss = loss + geoLoss * config.GeoWeight;
        }
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        if (keys is not null) model.Enqueue(keys);
        return (loss.item<float>(), lc, lg);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        model.Dispose();
    }
}

/// <summary>What a training run did.</summary>
public sealed record PretrainResult(IReadOnlyList<EpochSummary> Epochs, IReadOnlyList<float> StepLosses, TimeSpan Elapsed, bool Completed);
