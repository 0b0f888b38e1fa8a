using GeoSSL.Core.Engine;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Contrastive;
using GeoSSL.Core.Devices;
using GeoSSL.Core.Evaluation;
using GeoSSL.Core.Export;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Data.Files;
using GeoSSL.Data.Images;
using GeoSSL.Data.Input;
using GeoSSL.Data.Records;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Sampling;
using GeoSSL.MLNet.Featurizer;
using GeoSSL.Data.Geo;
using GeoSSL.MLNet.Hosting;
using GeoSSL.MLNet.Reading;
using GeoSSL.MLNet.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet;

/// <summary>
/// Pretrains an image encoder with geography-aware self-supervision (MoCo-v2, temporal positives, geo pretext)
/// on the input rows, then returns a featurizer: a chain of stock ML.NET transforms around the encoder exported
/// to ONNX, which <c>mlContext.Model.Save/Load</c> handle natively.
/// </summary>
public sealed partial class GeoContrastivePretrainEstimator : IEstimator<GeoImageFeaturizer>
{
    private readonly TransformsCatalog catalog;
    private readonly Options options;

    internal GeoContrastivePretrainEstimator(MLContext mlContext, Options options)
        : this((mlContext ?? throw new ArgumentNullException(nameof(mlContext))).Transforms, options) { }

    internal GeoContrastivePretrainEstimator(TransformsCatalog catalog, Options options)
    {
        this.catalog = catalog;
        this.options = options ?? throw new ArgumentNullException(nameof(options));
    }

    internal Options Settings => options;

    /// <summary>Report of the last Fit (losses per epoch, clusters, the encoder as ONNX); null before the first.</summary>
    public GeoPretrainReport? LastReport { get; private set; }

    /// <summary>Pretrains the encoder on the rows (see <see cref="Options"/>) and returns the featurizer; <see cref="LastReport"/> tells what happened.</summary>
    public GeoImageFeaturizer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GeoRecordReader.ValidateSchema(input.Schema, options);
        var kind = InputColumns.ImageKind(input.Schema, options.ImageColumnName, nameof(options.ImageColumnName));
        var spec = InputSpec(kind, input.Schema);
        BuildConfig(geoClusters: 1, spec); // validates the options before any work
        // Files first, data second: a bad checkpoint or an earlier run's outputs stop the run before any image is decoded.
        RunOutputs.RequireFree([(nameof(options.CheckpointPath), options.CheckpointPath), (nameof(options.OnnxExportPath), options.OnnxExportPath)],
            options.CheckpointPath, options.ResumeFromCheckpoint, options.OverwriteExistingOutputs, nameof(options.OverwriteExistingOutputs));
        var resumed = options.ResumeFromCheckpoint is null ? null : Checkpoint.Verify(options.ResumeFromCheckpoint);
        var mlContext = MLContextEnvironment.Of(catalog);
        using var log = mlContext.Channel("GeoContrastivePretrain");

        int size = options.ImageSize;
        var (records, images) = GeoRecordReader.Read(input, options, size, spec);
        RecordValidator.Validate(records, options.LatitudeColumnName, options.LongitudeColumnName, options.LocationColumnName, options.ImageColumnName);
        RequireOneBatch(records.Count, skipped: 0);
        if (kind == ImageColumnKind.Tensor && (options.Mean is null || options.Std is null)) spec = WithDataStatistics(spec, images!, log);
        log.Info($"Input: {spec}.");
        using var initial = options.InitialWeightsPath is not null && options.ResumeFromCheckpoint is null
            ? InitialWeights.Load(options.InitialWeightsPath, options.InitialWeightsReverseChannels, spec.IsTrueColour ? null : spec.Bands) : null;
        // Settings are compared before decoding; the geo cluster count they include depends only on the rows.
        var plan = Plan(records, spec);
        string fingerprint = RecordFingerprint.Of(records);
        string? resumedData = resumed is null ? null : Checkpoint.ReadDataFingerprint(options.ResumeFromCheckpoint!);
        if (resumed is not null)
        {
            Checkpoint.RequireSameSettings(options.ResumeFromCheckpoint!, resumed, plan.Config);
            // Under BadImagePolicy.Skip the checkpoint holds the rows that remained; compare those after decoding.
            if (options.BadImagePolicy != BadImagePolicy.Skip) Checkpoint.RequireSameData(options.ResumeFromCheckpoint!, resumedData, fingerprint);
        }

        var skipped = new List<Data.Images.SkippedImage>();
        var warnings = new List<string>();
        bool stream = images is null && Streams(records.Count, spec);
        if (stream)
        {
            log.Info($"Streaming {records.Count} images from their files at {size}x{size} while training (decoded: {DecodedGigabytes(records.Count, spec):F1} GB).");
            // The monitor's fixed spread of images is the only part held decoded.
            var picks = MonitorPicks(records.Count);
            images = DecodedImageSet.FromFiles(picks.Select(i => records[i].ImagePath).ToList(), size, size, picks.Select(i => records[i].Row).ToList(),
                cancellationToken: options.CancellationToken);
        }
        else log.Info($"Decoding {records.Count} images at {size}x{size}.");
        images ??= DecodedImageSet.FromFiles(records.Select(r => r.ImagePath).ToList(), size, size, records.Select(r => r.Row).ToList(),
            skipped: options.BadImagePolicy == BadImagePolicy.Skip ? skipped : null, cancellationToken: options.CancellationToken);
        if (skipped.Count > 0)
        {
            var left = skipped.Select(s => s.Index).ToHashSet();
            records = records.Where((_, i) => !left.Contains(i)).ToList();
            Warn(log, warnings, $"Skipped {skipped.Count} unreadable image{(skipped.Count == 1 ? "" : "s")} (BadImagePolicy.Skip): " +
                string.Join("; ", skipped.Take(5).Select(s => s.Reason)) + (skipped.Count > 5 ? $"; and {skipped.Count - 5} more (see GeoPretrainReport.SkippedImages)." : ""));
            RequireOneBatch(records.Count, skipped.Count);
            plan = Plan(records, spec); // the skipped rows are gone from the pairs and the clusters
            fingerprint = RecordFingerprint.Of(records);
            if (resumed is not null) Checkpoint.RequireSameSettings(options.ResumeFromCheckpoint!, resumed, plan.Config);
        }
        if (resumed is not null && options.BadImagePolicy == BadImagePolicy.Skip) Checkpoint.RequireSameData(options.ResumeFromCheckpoint!, resumedData, fingerprint);
        var (pairs, labels, clusters, config) = plan;
        if (options.Variant.UsesContrastive() && options.QueueSize > records.Count)
            log.Warning($"QueueSize {options.QueueSize} is larger than the {records.Count} images: the queue holds several stale keys of every image, " +
                $"which then act as its own negatives. Use a queue of at most about half the images (e.g. {Math.Max(options.BatchSize, records.Count / 2 / options.BatchSize * options.BatchSize)}).");
        if (options.Variant.UsesGeo())
        {
            log.Info($"Geo pretext: {clusters} k-means clusters of {pairs.LocationCount} locations on the unit sphere.");
            // One cluster makes the geo loss identically 0. With a contrastive loss the run is still the method it would be
            // without the geo pretext (nothing is trained wrongly), so it warns rather than stops, which would refuse the
            // default variant on a single-site archive; the report carries the warning for whoever reads results, not logs.
            // GeoOnly has nothing else to learn from: every step would be a zero loss, so that stops.
            if (clusters < 2)
            {
                string why = options.GeoClusters < 2 ? $"GeoClusters is {options.GeoClusters}"
                    : $"the input's {pairs.LocationCount} location{(pairs.LocationCount == 1 ? "" : "s")} share one coordinate";
                if (!options.Variant.UsesContrastive())
                    throw new GeoDataException($"The geo pretext has a single cluster ({why}), so the {options.Variant} loss is 0 at every step and nothing " +
                        "would be learned. Use images of several places, or a variant with a contrastive loss.");
                Warn(log, warnings, $"The geo pretext has a single cluster ({why}), so its loss is 0 and it teaches nothing: this run is " +
                    $"{options.Variant} without its geo part. Use images of several places, or a variant without Geo.");
            }
        }

        using var trainer = new Pretrainer(config, mlContext.Device(options.Device, log));
        if (initial is not null)
        {
            trainer.InitializeEncoder(e => e.load_state_dict(initial.state_dict()));
            log.Info($"Encoder starts from '{options.InitialWeightsPath}'{(options.InitialWeightsReverseChannels ? " (BGR weights, conv1 channels flipped for RGB input)" : "")}.");
        }
        var monitor = BuildMonitor(images, config.Input, log);
        var run = new TrainingRunOptions
        {
            ValidateEveryNEpochs = Math.Max(options.MonitorEveryNEpochs, 1), // the monitor is the validation; none when MonitorEveryNEpochs is 0
            Threads = options.Threads, CheckpointPath = options.CheckpointPath, CheckpointEveryNEpochs = options.CheckpointEveryNEpochs,
            CheckpointEveryNSteps = options.CheckpointEveryNSteps, ResumeFrom = options.ResumeFromCheckpoint,
            Progress = TrainingProgress.Forward(options.Progress, skipped.Count, options.Variant.UsesGeo() && clusters > 1 ? Math.Log(clusters) : null), Log = log.Info, CancellationToken = options.CancellationToken,
        };
        using var streaming = stream ? new StreamingImageBatchSource(records, pairs, labels, size, size, cancellationToken: options.CancellationToken) : null;
        var result = trainer.Train(streaming ?? (IPretrainBatchSource)new ImageBatchSource(images, pairs, labels), run, monitor, fingerprint);

        CheckGeoLearned(result, clusters, log);
        var exportOptions = ExportOptions(spec, FeaturizationSize, options.OutputProjection ? trainer.Model.QueryHead : null);
        var onnx = OnnxEncoderExporter.Export(trainer.Encoder, exportOptions);
        var report = new GeoPretrainReport(result, records.Count, pairs.LocationCount, clusters,
            OnnxEncoderExporter.OutputDimension(trainer.Encoder, exportOptions), onnx, options.CheckpointPath, skipped, warnings);
        if (options.OnnxExportPath is not null) report.SaveEncoderAsOnnx(options.OnnxExportPath);
        LastReport = report;
        log.Info($"Pretraining done in {result.Elapsed.TotalSeconds:F1}s; featurizer outputs {report.FeatureDimension} floats in column '{options.OutputColumnName}'.");
        return GeoFeaturizerBuilder.Fit(catalog, Spec(kind), onnx, input, options.FeaturizationBatchSize, options.Threads);
    }

    /// <summary>What the rows decide: positive pairs, geo labels and cluster count, and the training configuration that follows.</summary>
    private sealed record TrainingPlan(TemporalPairSampler Pairs, int[] Labels, int Clusters, PretrainConfig Config);

    private TrainingPlan Plan(List<GeoImageRecord> records, ImageInputSpec spec)
    {
        var pairs = new TemporalPairSampler(records, options.Variant.UsesTemporalPositives(), options.AllowSameImagePositive);
        int[] labels = new int[records.Count];
        int clusters = 0;
        if (options.Variant.UsesGeo())
            (labels, clusters) = GeoClusterer.Cluster(records.Select(r => (r.Latitude, r.Longitude)).ToList(), options.GeoClusters, options.Seed);
        var config = BuildConfig(Math.Max(clusters, 1), spec);
        if (!options.Variant.UsesGeo()) config = config with { Model = config.Model with { GeoClasses = 0 } };
        return new TrainingPlan(pairs, labels, clusters, config);
    }

    private void RequireOneBatch(int rows, int skipped)
    {
        if (rows >= options.BatchSize) return;
        throw new GeoDataException(skipped == 0
            ? $"The input has {rows} rows, fewer than one batch of {options.BatchSize}: add rows or lower BatchSize."
            : $"After skipping {skipped} unreadable images, {rows} rows remain, fewer than one batch of {options.BatchSize}: repair or replace the files, or lower BatchSize.");
    }

    /// <summary>
    /// The geo loss against its chance level ln(K): a head that ends near chance learned nothing about place, and the run
    /// is then MoCo-v2 with extra noise, whatever its variant says. Logged always, a warning in MLContext.Log when the last
    /// epoch is above 90% (advice on settings; the report's Warnings are about the input data).
    /// </summary>
    private void CheckGeoLearned(Core.Engine.TrainingResult result, int clusters, MLContextChannel log)
    {
        if (!options.Variant.UsesGeo() || clusters < 2 || result.Epochs.Count == 0) return;
        double chance = Math.Log(clusters), last = result.Epochs[^1].Metric(Core.Engine.MetricNames.Geo);
        log.Info($"Geo loss {last:F3} at the last epoch against chance ln {clusters} = {chance:F3} ({100 * last / chance:F0}%).");
        if (last > 0.9 * chance)
            log.Warning($"The geo head learned little: its loss {last:F3} is {100 * last / chance:F0}% of chance (ln {clusters} = {chance:F3}). " +
                $"Give it its own GeoHeadLearningRate (e.g. 0.1 when LearningRate is {options.LearningRate:G3}), a larger GeoWeight, or more epochs.");
    }

    private static void Warn(MLContextChannel log, List<string> warnings, string message)
    {
        log.Warning(message);
        warnings.Add(message);
    }

    /// <summary>The encoder monitor: kNN and collapse on MonitorData, or collapse only on a fixed spread of the training images.</summary>
    private EncoderMonitor? BuildMonitor(DecodedImageSet images, ImageInputSpec input, MLContextChannel log)
    {
        int size = input.Height;
        if (options.MonitorEveryNEpochs <= 0) return null;
        if (options.MonitorData is not null)
        {
            var labelled = LabelledImageReader.Read(options.MonitorData, options.ImageColumnName, options.MonitorImageFolder,
                options.MonitorLabelColumnName, size, "MonitorData");
            log.Info($"Monitor: kNN (k={options.KnnNeighbors}) and embedding spread on {labelled.Labels.Length} labelled images of {labelled.ClassNames.Length} classes.");
            return new EncoderMonitor(Concat(labelled.Images, Enumerable.Range(0, labelled.Images.Count)), labelled.Images.Count, input,
                labelled.Labels, options.KnnNeighbors);
        }
        // A streaming run decoded exactly the monitor's picks; otherwise pick them from all images.
        var picks = images.Count == MonitorPicks(images.Count).Count ? Enumerable.Range(0, images.Count).ToList() : MonitorPicks(images.Count);
        return new EncoderMonitor(Concat(images, picks), picks.Count, input);
    }

    /// <summary>An even spread over the rows, so the monitor's sample covers every place rather than the first ones.</summary>
    private List<int> MonitorPicks(int rows)
    {
        int count = Math.Min(Math.Max(options.MonitorImages, 2), rows);
        return Enumerable.Range(0, count).Select(i => (int)((long)i * rows / count)).ToList();
    }

    /// <summary>Whether image files are decoded while training rather than all at once: StreamImages, or by default above 1 GB decoded.</summary>
    private bool Streams(int rows, ImageInputSpec spec)
    {
        bool stream = options.StreamImages ?? DecodedGigabytes(rows, spec) > 1.0;
        if (stream && options.BadImagePolicy == BadImagePolicy.Skip)
            throw new ArgumentException(options.StreamImages == true
                ? "BadImagePolicy.Skip needs every image decoded before training; with StreamImages an unreadable file stops training at its batch. Use one or the other."
                : $"{rows} images need {DecodedGigabytes(rows, spec):F1} GB decoded, so they are streamed, and BadImagePolicy.Skip needs them all decoded first: " +
                  "set StreamImages = false (and enough memory) or BadImagePolicy.Fail.", nameof(options.BadImagePolicy));
        return stream;
    }

    private static double DecodedGigabytes(int rows, ImageInputSpec spec) => (double)rows * spec.ValuesPerImage * spec.BytesPerSample / 1e9;

    private static byte[] Concat(DecodedImageSet images, IEnumerable<int> indices)
    {
        var list = indices.ToList();
        var buffer = new byte[list.Count * images.ImageBytes];
        for (int i = 0; i < list.Count; i++) images.Image(list[i]).CopyTo(buffer.AsSpan(i * images.ImageBytes));
        return buffer;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        foreach (var (column, option) in new[] { (options.ImageColumnName, nameof(options.ImageColumnName)), (options.LatitudeColumnName, nameof(options.LatitudeColumnName)),
                     (options.LongitudeColumnName, nameof(options.LongitudeColumnName)), (options.LocationColumnName, nameof(options.LocationColumnName)) })
            if (!inputSchema.Any(c => c.Name == column))
                throw new ArgumentException($"Column '{column}' ({option}) is not in the input schema.", option);
        var kind = InputColumns.ImageKind(inputSchema.First(c => c.Name == options.ImageColumnName));
        var spec = InputSpec(kind, schema: null);
        BuildConfig(1, spec);
        int dim = options.OutputProjection ? options.ProjectionDimension
            : OnnxEncoderExporter.PooledWidth(EncoderOptions(spec), options.PooledLayers, options.PoolStandardDeviation);
        var stand_in = OnnxModelIo.ShapeOnly(spec.Channels, FeaturizationSize, FeaturizationSize, dim, "input", "features");
        return GeoFeaturizerBuilder.CreateEstimator(catalog, Spec(kind), stand_in).GetOutputSchema(inputSchema);
    }

    private FeaturizerSpec Spec(ImageColumnKind kind) => new(options.ImageColumnName, kind, options.ImageFolder,
        FeaturizationSize, FeaturizationSize, options.OutputColumnName);

    private int FeaturizationSize => options.FeaturizationImageSize ?? options.ImageSize;

    internal OnnxExportOptions ExportOptions(ImageInputSpec spec, int size, ProjectionHead? head) => new()
    {
        Input = spec.WithSize(size, size) with { MeanImage = options.ResolveMeanImage() }, Head = head,
        PooledLayers = head is null ? options.PooledLayers : [4],
        PoolStandardDeviation = head is null && options.PoolStandardDeviation, TestTimeAugmentation = head is null ? options.TestTimeAugmentation.ToCore() : Core.Export.TestTimeAugmentation.None,
    };

    /// <summary>
    /// What the encoder takes, from the options and the image column. Image and path columns: 8-bit R,G,B at ImageSize, ImageNet
    /// statistics unless Mean/Std are given. A tensor column: its [C, H, W] float samples, named by Bands, divided by SampleDivisor;
    /// missing Mean/Std are placeholders (0 and 1) until <see cref="WithDataStatistics"/> measures them on the rows.
    /// </summary>
    /// <param name="schema">The input's schema, for a tensor column's dimensions; null when only a schema shape is known.</param>
    private ImageInputSpec InputSpec(ImageColumnKind kind, DataViewSchema? schema)
    {
        if (kind != ImageColumnKind.Tensor)
        {
            TensorInputSpec.RequireRgbSettings(options.ImageColumnName, options.Bands, options.SampleDivisor);
            return ImageInputSpec.Rgb(options.ImageSize, options.Mean, options.Std, options.ResolveMeanImage());
        }
        return TensorInputSpec.ForTensorColumn(schema, options.ImageColumnName, options.ImageSize, options.Bands, options.SampleDivisor,
            options.Mean, options.Std, options.ResolveMeanImage());
    }

    /// <summary>The spec with per-band mean/std of a seeded sample of the rows' scaled samples, for Mean/Std left null.</summary>
    private ImageInputSpec WithDataStatistics(ImageInputSpec spec, DecodedImageSet images, MLContextChannel log) =>
        TensorStatistics.WithDataStatistics(spec, images.Count, i => images.Image(i), options.Mean, options.Std,
            options.StatisticsSampleImages, options.Seed, options.ImageColumnName, log);

    private ResNetOptions EncoderOptions(ImageInputSpec spec) => options.InitialWeightsPath is not null
        ? StartingLayout(options.InitialWeightsPath, spec)
        : new()
        {
            Depth = options.Architecture.ToCore(), BaseWidth = options.BaseWidth, SmallInputStem = options.SmallInputStem, InputChannels = spec.Channels,
        };

    /// <summary>The starting weights' layout for this input: their own channel count, or RGB weights adapted to the spec's bands.</summary>
    private static ResNetOptions StartingLayout(string path, ImageInputSpec spec)
    {
        var layout = InitialWeights.ReadLayout(path);
        if (layout.InputChannels == spec.Channels) return layout;
        if (layout.InputChannels == ImageInputSpec.RgbBands.Count) return layout with { InputChannels = spec.Channels }; // RGB conv1 is adapted (InputChannelAdapter)
        throw new ArgumentException($"InitialWeightsPath '{path}': conv1 takes {layout.InputChannels} channels; the input has {spec.Channels} " +
            $"({string.Join(",", spec.Bands)}). Only RGB weights can be adapted to other bands.", nameof(Options.InitialWeightsPath));
    }

    private PretrainConfig BuildConfig(int geoClusters, ImageInputSpec spec)
    {
        if (options.ImageSize < 8) throw new ArgumentOutOfRangeException(nameof(options.ImageSize), options.ImageSize, "ImageSize must be at least 8 pixels.");
        if (options.FeaturizationImageSize is < 8)
            throw new ArgumentOutOfRangeException(nameof(options.FeaturizationImageSize), options.FeaturizationImageSize, "FeaturizationImageSize must be at least 8 pixels (or null for ImageSize).");
        if (options.GeoClusters < 1 && options.Variant.UsesGeo()) throw new ArgumentOutOfRangeException(nameof(options.GeoClusters), options.GeoClusters, "Need at least one geo cluster.");
        if (options.KnnNeighbors < 1) throw new ArgumentOutOfRangeException(nameof(options.KnnNeighbors), options.KnnNeighbors, "KnnNeighbors must be at least 1.");
        CpuThreads.Validate(options.Threads, nameof(options.Threads));
        if (options.FeaturizationBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options.FeaturizationBatchSize), options.FeaturizationBatchSize, "FeaturizationBatchSize must be at least 1.");
        if (string.IsNullOrWhiteSpace(options.OutputColumnName)) throw new ArgumentException("OutputColumnName is empty.", nameof(options.OutputColumnName));
        try { ResNetOptions.ValidatePooledLayers(options.PooledLayers); }
        catch (ArgumentException e) { throw new ArgumentException($"PooledLayers: {e.Message}", nameof(options.PooledLayers), e); }
        var config = new PretrainConfig
        {
            Variant = options.Variant.ToCore(),
            Model = new MocoOptions
            {
                Encoder = EncoderOptions(spec), ProjectionDimension = options.ProjectionDimension, QueueSize = options.QueueSize,
                Momentum = options.EncoderMomentum, Temperature = options.Temperature,
                GeoClasses = options.Variant.UsesGeo() ? geoClusters : 0, Contrastive = options.Variant.UsesContrastive(),
            },
            Augmentation = new AugmentationOptions
            {
                OutputSize = options.ImageSize, MinCropScale = options.MinCropScale, VerticalFlipProbability = options.VerticalFlipProbability,
            },
            // The mean image is stored at the training size: checkpoints stay small (a 224x224 mean image is 150k floats).
            Input = spec with { MeanImage = spec.MeanImage?.ResizedTo(options.ImageSize, options.ImageSize) },
            Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate, SgdMomentum = options.SgdMomentum,
            WeightDecay = options.WeightDecay, WarmupEpochs = options.WarmupEpochs, CosineSchedule = options.CosineSchedule,
            ContrastiveWeight = options.ContrastiveWeight, GeoWeight = options.GeoWeight, GeoHeadLearningRate = options.GeoHeadLearningRate, BatchNormGroups = options.BatchNormGroups,
            FreezeBatchNormStatistics = options.FreezeBatchNormStatistics, FrozenStages = options.FrozenStages,
            Seed = options.Seed, ReportEveryNSteps = options.ReportEveryNSteps,
        };
        config.ValidateForCaller();
        return config;
    }
}
