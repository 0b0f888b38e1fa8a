using GeoSSL.Core.Training;
using GeoSSL.Data.Input;
using GeoSSL.Core.Import;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Files;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Hosting;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Classification;

/// <summary>
/// A multiclass trainer that fine-tunes a ResNet image classifier end to end (TorchSharp), from random weights or from
/// the encoder of a GeoSSL pretraining checkpoint, and returns it as a chain of stock ML.NET transforms around the
/// classifier exported to ONNX. Like ML.NET's trainers it needs a key-typed label column and adds <c>Score</c>
/// (probabilities, one per class) and <c>PredictedLabel</c> (a key with the label's values).
/// </summary>
public sealed partial class GeoImageClassifierTrainer : IEstimator<GeoImageClassificationTransformer>
{
    private readonly TransformsCatalog catalog;
    private readonly Options options;

    internal GeoImageClassifierTrainer(MLContext mlContext, Options options)
        : this((mlContext ?? throw new ArgumentNullException(nameof(mlContext))).Transforms, options) { }

    internal GeoImageClassifierTrainer(TransformsCatalog catalog, Options options)
    {
        this.catalog = catalog;
        this.options = options ?? throw new ArgumentNullException(nameof(options));
    }

    internal Options Settings => options;

    /// <summary>Report of the last Fit (per-epoch losses and accuracies, best epoch, early stopping, the classifier as ONNX); null before the first.</summary>
    public GeoImageClassifierReport? LastReport { get; private set; }

    /// <summary>Fine-tunes encoder and head on the rows (validating on ValidationSet) and returns stock ML.NET transforms adding Score and PredictedLabel.</summary>
    public GeoImageClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateOptions();
        var classes = ClassLabels.FromColumn(input.Schema, options.LabelColumnName, nameof(options.LabelColumnName));
        var imageKind = InputColumns.ImageKind(input.Schema, options.ImageColumnName, nameof(options.ImageColumnName));
        ImageColumnKind? validationKind = null;
        if (options.ValidationSet is { } validationData)
        {
            var validationClasses = ClassLabels.FromColumn(validationData.Schema, options.LabelColumnName, nameof(options.LabelColumnName) + " (in ValidationSet)");
            if (!validationClasses.SameAs(classes))
                throw new ArgumentException(
                    $"The ValidationSet's label column '{options.LabelColumnName}' has keys [{Preview(validationClasses.Names)}] but the training label has " +
                    $"[{Preview(classes.Names)}]; map both with the same fitted MapValueToKey transformer.", nameof(options.ValidationSet));
            validationKind = InputColumns.ImageKind(validationData.Schema, options.ImageColumnName, nameof(options.ImageColumnName) + " (in ValidationSet)");
            if ((validationKind == ImageColumnKind.Tensor) != (imageKind == ImageColumnKind.Tensor))
                throw new ArgumentException($"Column '{options.ImageColumnName}' is a {imageKind} column in the training data but a {validationKind} column in the ValidationSet; " +
                    "both must hold the same kind of input.", nameof(options.ValidationSet));
        }
        // Files first, data second: an earlier run's checkpoint, a bad resume file or other settings stop Fit before any image is read.
        RunOutputs.RequireFree([(nameof(options.TrainingCheckpointPath), options.TrainingCheckpointPath), (nameof(options.CheckpointPath), options.CheckpointPath),
                (nameof(options.OnnxExportPath), options.OnnxExportPath)], options.TrainingCheckpointPath,
            options.ResumeFromTrainingCheckpoint, options.OverwriteExistingOutputs, nameof(options.OverwriteExistingOutputs));
        var resumed = options.ResumeFromTrainingCheckpoint is { } resumePath ? FineTuneCheckpoint.Verify(resumePath) : null;
        var start = StartingPoint(imageKind, input.Schema);
        var (encoder, inputSpec) = (start.Encoder, start.Input);
        var config = BuildConfig(encoder, classes.Count, inputSpec);
        // Statistics measured on the rows are part of the settings, so a resumed run with them is compared after reading.
        if (resumed is not null && !start.MeasureStatistics) FineTuneCheckpoint.RequireSameSettings(options.ResumeFromTrainingCheckpoint!, resumed, config);

        var mlContext = MLContextEnvironment.Of(catalog);
        using var log = mlContext.Channel("GeoImageClassifier");
        var trainInput = new ClassifierInput(options.ImageColumnName, imageKind, options.ImageFolder, inputSpec);
        log.Info($"Reading training images at {options.ImageSize}x{options.ImageSize} ({classes.Count} classes: {Preview(classes.Names)}).");
        var train = LabeledImageReader.Read(catalog, input, trainInput, options.LabelColumnName, "training", options.CancellationToken);
        if (train.Count < 2) throw new GeoDataException($"The training data has {train.Count} row(s); at least 2 are needed.");
        if (start.MeasureStatistics)
        {
            inputSpec = TensorStatistics.WithDataStatistics(inputSpec, train.Count, train.Image, options.Mean, options.Std,
                StatisticsSampleImages, options.Seed, options.ImageColumnName, log);
            config = BuildConfig(encoder, classes.Count, inputSpec);
            trainInput = trainInput with { Input = inputSpec };
            if (resumed is not null) FineTuneCheckpoint.RequireSameSettings(options.ResumeFromTrainingCheckpoint!, resumed, config);
        }
        log.Info($"Input: {inputSpec}.");
        LabeledImages? validation = null;
        if (options.ValidationSet is not null)
        {
            validation = LabeledImageReader.Read(catalog, options.ValidationSet, trainInput with { ImageKind = validationKind!.Value }, options.LabelColumnName, "validation", options.CancellationToken);
            if (validation.Count < 2) throw new GeoDataException($"The validation data has {validation.Count} row(s); at least 2 are needed.");
        }

        using var tuner = new FineTuner(config, mlContext.Device(options.Device, log));
        if (options.InitialEncoderPath is not null && resumed is null) // a resumed run takes every weight from its checkpoint
        {
            if (start.AdaptChannels)
            {
                // RGB weights on other bands: conv1 is adapted to the bands by name (InputChannelAdapter), the rest loads as it is.
                bool isCheckpoint = Checkpoint.IsCheckpoint(options.InitialEncoderPath);
                InitialWeights.LoadInto(tuner.Model.Encoder, options.InitialEncoderPath, !isCheckpoint && options.InitialWeightsReverseChannels, inputSpec.Bands);
                log.Info($"Backbone initialised from '{options.InitialEncoderPath}', RGB conv1 adapted: {InputChannelAdapter.Map(inputSpec.Bands).Description}");
            }
            else if (Checkpoint.IsCheckpoint(options.InitialEncoderPath))
            {
                tuner.LoadPretrainedEncoder(options.InitialEncoderPath);
                log.Info($"Backbone initialised from the query encoder of '{options.InitialEncoderPath}'.");
            }
            else
            {
                tuner.LoadInitialWeights(options.InitialEncoderPath, options.InitialWeightsReverseChannels);
                log.Info($"Backbone initialised from '{options.InitialEncoderPath}'{(options.InitialWeightsReverseChannels ? " (BGR weights, conv1 channels flipped for RGB input)" : "")}.");
            }
        }
        var result = tuner.Train(train, validation, new TrainingRunOptions
        {
            Progress = TrainingProgress.Forward(options.Progress), Log = log.Info, CancellationToken = options.CancellationToken, Threads = options.Threads,
            CheckpointPath = options.TrainingCheckpointPath, CheckpointEveryNEpochs = options.CheckpointEveryNEpochs,
            CheckpointEveryNSteps = options.CheckpointEveryNSteps, ResumeFrom = options.ResumeFromTrainingCheckpoint,
        });

        var exportOptions = OnnxExportOptions.ForClassifier(inputSpec) with { ClassNames = classes.Names };
        var onnx = OnnxClassifierExporter.Export(tuner.Model, exportOptions);
        var report = new GeoImageClassifierReport(result, train.Count, validation?.Count, classes.Names, encoder, options.InitialEncoderPath, options.ImageSize, inputSpec, onnx);
        if (options.OnnxExportPath is not null) report.SaveClassifierAsOnnx(options.OnnxExportPath);
        if (options.CheckpointPath is not null)
            ClassifierCheckpoint.Save(options.CheckpointPath, tuner.Model, new ClassifierInfo(encoder, classes.Count, inputSpec, classes.Names.ToArray()));
        LastReport = report;
        var forMlNet = ClassifierChainBuilder.ForMlNet(OnnxClassifierExporter.Export(tuner.Model, exportOptions with
        {
            InputName = ClassifierChainBuilder.PixelsColumn, OutputName = ClassifierChainBuilder.ScoreColumnName, LabelIndexName = ClassifierChainBuilder.IndexColumn,
        }), classes.Names);
        var stock = ClassifierChainBuilder.CreateEstimator(catalog, trainInput, forMlNet, classes).Fit(input);
        log.Info($"Fine-tuning done in {result.Elapsed.TotalSeconds:F1}s" +
            (result.BestEpoch is { } best ? $"; best validation accuracy {result.Best!.Validation!["accuracy"]:P1} at epoch {best}" : "") +
            (result.EarlyStopped ? " (stopped early)" : "") + (result.RestoredBestWeights ? ", its weights restored" : "") + ".");
        return new GeoImageClassificationTransformer(new TransformerChain<ITransformer>(Flatten(stock).ToArray()), classes.Names, options.ImageSize, onnx);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ValidateOptions();
        var label = Find(inputSchema, options.LabelColumnName, nameof(options.LabelColumnName));
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentException(
                $"Column '{options.LabelColumnName}' ({nameof(options.LabelColumnName)}) is not a scalar key; the label of a multiclass trainer must be a key type. " +
                $"Map it first, e.g. mlContext.Transforms.Conversion.MapValueToKey(\"{options.LabelColumnName}\").Append(...).", nameof(options.LabelColumnName));
        var image = Find(inputSchema, options.ImageColumnName, nameof(options.ImageColumnName));
        var kind = InputColumns.ImageKind(image);
        // A schema shape does not carry vector sizes: a tensor column's channels are the Bands' count (as for the pretraining estimator).
        var spec = kind == ImageColumnKind.Tensor
            ? TensorInputSpec.ForTensorColumn(null, options.ImageColumnName, options.ImageSize, options.Bands, options.SampleDivisor, options.Mean, options.Std, null)
            : ImageInputSpec.Rgb(options.ImageSize);
        var input = new ClassifierInput(options.ImageColumnName, kind, options.ImageFolder, spec);
        var standIn = ClassifierChainBuilder.ShapeOnly(spec.Channels, options.ImageSize, 2);
        return ClassifierChainBuilder.CreateEstimator(catalog, input, standIn, ClassLabels.Placeholder(label)).GetOutputSchema(inputSchema);
    }

    private static SchemaShape.Column Find(SchemaShape schema, string column, string option)
    {
        if (string.IsNullOrWhiteSpace(column)) throw new ArgumentException($"{option} is empty.", option);
        var col = schema.FirstOrDefault(c => c.Name == column);
        if (col.Name is null)
            throw new ArgumentException($"Column '{column}' ({option}) is not in the input schema. Its columns are: {string.Join(", ", schema.Select(c => c.Name))}.", option);
        return col;
    }

    /// <summary>What the backbone starts from and takes; for a tensor column also whether conv1 is adapted and Mean/Std are measured.</summary>
    private sealed record Start(ResNetOptions Encoder, ImageInputSpec Input, bool AdaptChannels, bool MeasureStatistics);

    private Start StartingPoint(ImageColumnKind kind, DataViewSchema schema)
    {
        if (kind != ImageColumnKind.Tensor)
        {
            var (encoder, input) = RgbStartingPoint();
            return new Start(encoder, input, AdaptChannels: false, MeasureStatistics: false);
        }
        var spec = TensorInputSpec.ForTensorColumn(schema, options.ImageColumnName, options.ImageSize, options.Bands, options.SampleDivisor,
            options.Mean, options.Std, meanImage: null);
        bool measure = options.Mean is null || options.Std is null;
        if (options.InitialEncoderPath is not { } path)
            return new Start(new ResNetOptions
            {
                Depth = options.Architecture.ToCore(), BaseWidth = options.BaseWidth, SmallInputStem = options.SmallInputStem, InputChannels = spec.Channels,
            }, spec, AdaptChannels: false, measure);
        var (layout, pretrained) = ReadStartingWeights(path);
        // A checkpoint pretrained on the same bands normalised them already: its scale and statistics carry over, so the
        // encoder sees what it was trained on. Statistics of other bands or another scale would be wrong here, so those are measured.
        if (pretrained is not null && pretrained.Bands.SequenceEqual(spec.Bands, StringComparer.OrdinalIgnoreCase))
        {
            float divisor = options.SampleDivisor ?? pretrained.SampleDivisor;
            spec = spec with { SampleDivisor = divisor };
            if (divisor == pretrained.SampleDivisor)
            {
                spec = spec with { Mean = options.Mean ?? pretrained.Mean, Std = options.Std ?? pretrained.Std };
                measure = false;
            }
        }
        if (layout.InputChannels == spec.Channels) return new Start(layout, spec, AdaptChannels: false, measure);
        if (layout.InputChannels == 3) return new Start(layout with { InputChannels = spec.Channels }, spec, AdaptChannels: true, measure);
        throw new ArgumentException($"InitialEncoderPath '{path}': the encoder takes {layout.InputChannels} channels but column '{options.ImageColumnName}' holds " +
            $"{spec.Channels} ({string.Join(",", spec.Bands)}); only RGB (3-channel) weights can be adapted to other bands.", nameof(options.InitialEncoderPath));
    }

    /// <summary>The starting file's encoder layout, and its input spec when it is a GeoSSL pretraining checkpoint (null for published weights).</summary>
    private (ResNetOptions Encoder, ImageInputSpec? Input) ReadStartingWeights(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"InitialEncoderPath '{path}' does not exist.", path);
        if (Checkpoint.IsCheckpoint(path))
        {
            try
            {
                var info = PretrainedEncoder.Read(path);
                return (info.Encoder, info.Input);
            }
            catch (InvalidDataException e)
            {
                throw new ArgumentException($"InitialEncoderPath '{path}' is not a readable GeoSSL pretraining checkpoint: {e.Message}", nameof(options.InitialEncoderPath), e);
            }
        }
        try { return (InitialWeights.ReadLayout(path), null); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new ArgumentException($"InitialEncoderPath '{path}' is not a GeoSSL pretraining checkpoint, and reading it as published weights failed: {e.Message}",
                nameof(options.InitialEncoderPath), e);
        }
    }

    /// <summary>For an image or path column: the backbone's shape and what it takes, the checkpoint's normalisation unless Mean/Std are given, at ImageSize.</summary>
    private (ResNetOptions Encoder, ImageInputSpec Input) RgbStartingPoint()
    {
        TensorInputSpec.RequireRgbSettings(options.ImageColumnName, options.Bands, options.SampleDivisor);
        ImageInputSpec Input(ImageInputSpec from) => from.WithSize(options.ImageSize, options.ImageSize) with
        {
            Mean = options.Mean ?? from.Mean, Std = options.Std ?? from.Std,
        };
        if (options.InitialEncoderPath is not { } path)
            return (new ResNetOptions { Depth = options.Architecture.ToCore(), BaseWidth = options.BaseWidth, SmallInputStem = options.SmallInputStem, InputChannels = 3 },
                Input(ImageInputSpec.Rgb(options.ImageSize)));
        var (encoder, pretrained) = ReadStartingWeights(path);
        var input = Input(pretrained ?? ImageInputSpec.Rgb(options.ImageSize));
        if (encoder.InputChannels != 3)
            throw new ArgumentException($"InitialEncoderPath '{path}': the encoder takes {encoder.InputChannels} channels; image columns supply RGB (3).", nameof(options.InitialEncoderPath));
        return (encoder, input);
    }

    private FineTuneConfig BuildConfig(ResNetOptions encoder, int classes, ImageInputSpec input)
    {
        var config = new FineTuneConfig
        {
            Encoder = encoder, NumClasses = classes, Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate,
            SgdMomentum = options.SgdMomentum, WeightDecay = options.WeightDecay, WarmupEpochs = options.WarmupEpochs, FreezeBackbone = options.FreezeBackbone,
            Augment = options.Augment, Input = input, EarlyStoppingPatience = options.EarlyStoppingPatience, Seed = options.Seed,
            ReportEveryNSteps = options.ReportEveryNSteps,
        };
        config.Validate();
        return config;
    }

    private void ValidateOptions()
    {
        if (options.ImageSize < 8) throw new ArgumentOutOfRangeException(nameof(options.ImageSize), options.ImageSize, "ImageSize must be at least 8 pixels.");
        if (options.CheckpointEveryNEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(options.CheckpointEveryNEpochs), options.CheckpointEveryNEpochs, "Cannot be negative (0 writes the training checkpoint only at the end).");
        if (options.CheckpointEveryNSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(options.CheckpointEveryNSteps), options.CheckpointEveryNSteps, "Cannot be negative (0 turns step checkpoints off).");
        GeoSSL.Core.Devices.CpuThreads.Validate(options.Threads, nameof(options.Threads));
        if (options.TrainingCheckpointPath is not null && options.CheckpointPath is not null && SameFile(options.TrainingCheckpointPath, options.CheckpointPath))
            throw new ArgumentException($"TrainingCheckpointPath and CheckpointPath are the same file '{options.CheckpointPath}': the training state and the trained model need two files.",
                nameof(options.TrainingCheckpointPath));
        if (options.EarlyStoppingPatience is > 0 && options.ValidationSet is null)
            throw new ArgumentException($"EarlyStoppingPatience ({options.EarlyStoppingPatience}) needs a ValidationSet.", nameof(options.EarlyStoppingPatience));
        // The rest is checked by FineTuneConfig.Validate; check it early with the random-init shape, with as many channels as the
        // options name (Bands, else Mean/Std), so a multispectral Mean is not mistaken for a wrong RGB one. The column's own shape is checked in Fit.
        int channels = options.Bands?.Length ?? options.Mean?.Length ?? options.Std?.Length ?? 3;
        var check = new ImageInputSpec
        {
            Bands = options.Bands ?? (channels == 3 ? ImageInputSpec.RgbBands.ToArray() : Enumerable.Range(1, channels).Select(i => $"band{i}").ToArray()),
            SampleDivisor = options.SampleDivisor ?? 255f, Height = options.ImageSize, Width = options.ImageSize,
            Mean = options.Mean ?? (channels == 3 ? ImageInputSpec.ImageNetMean : new float[channels]),
            Std = options.Std ?? (channels == 3 ? ImageInputSpec.ImageNetStd : Enumerable.Repeat(1f, channels).ToArray()),
        };
        BuildConfig(new ResNetOptions { Depth = options.Architecture.ToCore(), BaseWidth = options.BaseWidth, SmallInputStem = options.SmallInputStem, InputChannels = channels }, 2, check);
    }

    /// <summary>Images sampled (seeded) for per-band statistics of a tensor column, as the pretraining estimator's default.</summary>
    private const int StatisticsSampleImages = 1000;

    private static bool SameFile(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static string Preview(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(12)) + (names.Count > 12 ? $", ... ({names.Count})" : "");

    private static IEnumerable<ITransformer> Flatten(ITransformer t) =>
        t is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : new[] { t };
}
