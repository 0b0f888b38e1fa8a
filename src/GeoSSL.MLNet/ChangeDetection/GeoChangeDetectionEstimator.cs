using GeoSSL.Core.Export;
using GeoSSL.Core.Dense;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Import;
using GeoSSL.Core.Classification;
using GeoSSL.Core.Networks;
using GeoSSL.Core.Training;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Input;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Hosting;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>
/// Trains a siamese U-Net change detector (<see cref="DenseTask"/> on the one training loop) on rows of two co-registered
/// image tiles and a change mask, and returns it as stock ML.NET transforms that add a per-pixel change probability
/// column (see <see cref="Options"/>).
/// </summary>
public sealed partial class GeoChangeDetectionEstimator : IEstimator<GeoChangeDetectionTransformer>
{
    private readonly TransformsCatalog catalog;
    private readonly Options options;

    internal GeoChangeDetectionEstimator(TransformsCatalog catalog, Options options)
    {
        this.catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
    }

    internal Options Settings => options;

    /// <summary>Report of the last Fit (training result, validation change scores, the detector as ONNX); null before the first.</summary>
    public GeoChangeDetectionReport? LastReport { get; private set; }

    /// <summary>Trains the change detector on the rows (and validates on ValidationSet) and returns it as stock ML.NET transforms.</summary>
    public GeoChangeDetectionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        options.Validate();
        var columns = ChangeColumns.From(input.Schema, options);
        ChangeColumns? validationColumns = options.ValidationSet is { } v ? ChangeColumns.From(v.Schema, options, " (in ValidationSet)") : null;
        var (encoder, spec) = StartingPoint();
        if (options.ResumeFromTrainingCheckpoint is { } resume && !File.Exists(resume))
            throw new FileNotFoundException($"ResumeFromTrainingCheckpoint '{resume}' does not exist.", resume);

        var mlContext = MLContextEnvironment.Of(catalog);
        using var log = mlContext.Channel("GeoChangeDetection");
        var train = ChangeRowReader.Read(catalog, input, columns, options.MaskColumnName, nameof(options.MaskColumnName), "training", options.CancellationToken);
        if (train.Count == 0) throw new GeoDataException("The training data has no rows.");
        IReadOnlyList<DenseScene>? validation = null;
        if (options.ValidationSet is not null)
        {
            validation = ChangeRowReader.Read(catalog, options.ValidationSet, validationColumns!, options.MaskColumnName,
                nameof(options.MaskColumnName) + " (in ValidationSet)", "validation", options.CancellationToken);
            if (validation.Count == 0) throw new GeoDataException("The validation data has no rows.");
        }
        log.Info($"{train.Count} training row(s){(validation is null ? "" : $", {validation.Count} validation row(s)")} of {options.ImageSize}x{options.ImageSize} px; " +
            $"change in {train.Average(s => s.PositiveFraction):P2} of the training pixels.");

        var loop = new TrainingLoop(options.Schedule(), mlContext.Device(options.Device, log));
        using var task = loop.Build(d => new DenseTask(d, options.TaskOptions(encoder, train.Count), spec, train, validation, options.Seed));
        if (options.InitialEncoderPath is { } path && options.ResumeFromTrainingCheckpoint is null) // a resumed run takes every weight from its checkpoint
        {
            using var initial = InitialWeights.Load(path, options.InitialWeightsReverseChannels && !Checkpoint.IsCheckpoint(path));
            task.Model.LoadEncoderWeights(initial);
            log.Info($"Encoder initialised from '{path}'.");
        }
        var result = loop.Run(task, new TrainingRunOptions
        {
            Threads = options.Threads, CheckpointPath = options.TrainingCheckpointPath, ResumeFrom = options.ResumeFromTrainingCheckpoint,
            Progress = TrainingProgress.Forward(options.Progress), Log = log.Info, CancellationToken = options.CancellationToken,
        });
        var scores = validation is null ? null : task.Evaluate(validation);

        var export = OnnxExportOptions.ForDense(spec) with { ClassNames = ["no change", "change"] };
        var onnx = OnnxDenseExporter.Export(task.Model, export);
        var forMlNet = OnnxDenseExporter.Export(task.Model, export with
        {
            InputName = ChangeChainBuilder.Pixels1, SecondInputName = ChangeChainBuilder.Pixels2, OutputName = options.OutputColumnName, PositiveClassOnly = true, SingleImage = true,
        });
        LastReport = new GeoChangeDetectionReport(result, scores, train.Count, validation?.Count, encoder, spec, onnx);
        var stock = ChangeChainBuilder.Create(catalog, columns, options.OutputColumnName, forMlNet).Fit(input);
        return new GeoChangeDetectionTransformer(new TransformerChain<ITransformer>(Flatten(stock).ToArray()), options.OutputColumnName, options.ImageSize, onnx);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        options.Validate();
        var columns = new ChangeColumns(options.Image1ColumnName, InputColumns.ImageKind(Find(inputSchema, options.Image1ColumnName, nameof(options.Image1ColumnName))),
            options.Image2ColumnName, InputColumns.ImageKind(Find(inputSchema, options.Image2ColumnName, nameof(options.Image2ColumnName))),
            options.ImageFolder, options.ImageSize);
        var standIn = ChangeChainBuilder.ShapeOnly(options.ImageSize, options.OutputColumnName);
        return ChangeChainBuilder.Create(catalog, columns, options.OutputColumnName, standIn).GetOutputSchema(inputSchema);
    }

    private static SchemaShape.Column Find(SchemaShape schema, string column, string option)
    {
        var col = schema.FirstOrDefault(c => c.Name == column);
        if (col.Name is null)
            throw new ArgumentException($"Column '{column}' ({option}) is not in the input schema. Its columns are: {string.Join(", ", schema.Select(c => c.Name))}.", option);
        return col;
    }

    /// <summary>The encoder's shape and the input contract: RGB 0..255 at ImageSize, ImageNet normalisation or a GeoSSL checkpoint's own.</summary>
    private (ResNetOptions Encoder, ImageInputSpec Input) StartingPoint()
    {
        // The scenes hold float samples 0..255 (from ExtractPixels), not bytes.
        ImageInputSpec Rgb(float[]? mean = null, float[]? std = null) => ImageInputSpec.Rgb(options.ImageSize, mean, std) with { SampleType = SampleType.Float32 };
        if (options.InitialEncoderPath is not { } path)
            return (new ResNetOptions { Depth = options.Architecture.ToCore(), BaseWidth = options.BaseWidth, InputChannels = 3 }, Rgb());
        if (!File.Exists(path)) throw new FileNotFoundException($"InitialEncoderPath '{path}' does not exist.", path);
        ResNetOptions layout;
        ImageInputSpec input = Rgb();
        try
        {
            if (Checkpoint.IsCheckpoint(path))
            {
                var info = PretrainedEncoder.Read(path);
                layout = info.Encoder;
                // A checkpoint pretrained on RGB 0..255 normalised with its own statistics: the encoder should see the same.
                if (info.Input.Bands.SequenceEqual(ImageInputSpec.RgbBands) && info.Input.SampleDivisor == 255f) input = Rgb(info.Input.Mean, info.Input.Std);
            }
            else layout = InitialWeights.ReadLayout(path);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new ArgumentException($"InitialEncoderPath '{path}' is neither a GeoSSL pretraining checkpoint nor readable ResNet weights: {e.Message}", nameof(options.InitialEncoderPath), e);
        }
        if (layout.InputChannels != 3)
            throw new ArgumentException($"InitialEncoderPath '{path}': the encoder takes {layout.InputChannels} channels; change detection here takes RGB (3).", nameof(options.InitialEncoderPath));
        return (layout, input);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer t) =>
        t is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : new[] { t };
}
