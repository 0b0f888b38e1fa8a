using GeoSSL.Data.Files;
using System.Globalization;
using System.Text.Json;
using GeoSSL.Core.Classification;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Export;

/// <summary>How <see cref="OnnxClassifierExporter"/> writes a <see cref="ResNetClassifier"/>.</summary>
public sealed record OnnxClassifierExportOptions
{
    /// <summary>Name of the graph input, float [N, C, InputHeight, InputWidth] (planar).</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Name of the class-probability output, float [N, NumClasses] (softmax of the logits).</summary>
    public string ProbabilitiesName { get; init; } = "probabilities";

    /// <summary>Name of the predicted-class output, int64 [N, 1]: the index of the highest probability (the first one on ties).</summary>
    public string LabelIndexName { get; init; } = "label_index";

    private readonly GeoSSL.Data.Input.ImageInputSpec? input;

    /// <summary>What the classifier takes; sets the size and normalisation fields below and is stored in the model's metadata.</summary>
    public GeoSSL.Data.Input.ImageInputSpec? Input
    {
        get => input;
        init
        {
            input = value;
            if (value is null) return;
            InputHeight = value.Height; InputWidth = value.Width; InputScale = 1f / value.SampleDivisor; Mean = value.Mean; Std = value.Std;
        }
    }

    public int InputHeight { get; init; }
    public int InputWidth { get; init; }

    /// <summary>Factor multiplied into the input before mean/std normalisation (1/255 when pixels arrive as 0..255).</summary>
    public float InputScale { get; init; } = 1f;
    public float[]? Mean { get; init; }
    public float[]? Std { get; init; }

    /// <summary>Class names in output order, written to the model's metadata ("geossl.class_names", a JSON array); optional.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    public string ProducerName { get; init; } = "GeoSSL.MLNet";
}

/// <summary>
/// Writes a <see cref="ResNetClassifier"/> as ONNX (opset 17, IR 8): the encoder graph of <see cref="OnnxEncoderExporter"/>
/// (input normalisation, BatchNorm folded into the convolutions, global average pooling), then <c>fc</c> as a Gemm, a
/// Softmax giving the probabilities and an ArgMax over them giving the predicted class index. The module is only read.
/// </summary>
public static class OnnxClassifierExporter
{
    private const string FeaturesName = "classifier.features";

    public static byte[] Export(ResNetClassifier classifier, OnnxClassifierExportOptions options) => BuildModel(classifier, options).ToByteArray();

    /// <summary>Writes the ONNX model to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Save(ResNetClassifier classifier, OnnxClassifierExportOptions options, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = Export(classifier, options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    public static ModelProto BuildModel(ResNetClassifier classifier, OnnxClassifierExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(options);
        var names = new[] { options.InputName, options.ProbabilitiesName, options.LabelIndexName };
        if (names.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("Input and output names must be set.", nameof(options));
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length) throw new ArgumentException("Input and output names must differ.", nameof(options));
        if (names.Contains(FeaturesName)) throw new ArgumentException($"'{FeaturesName}' is reserved.", nameof(options));
        int k = classifier.NumClasses;
        if (options.ClassNames is { } classNames && classNames.Count != k)
            throw new ArgumentException($"{classNames.Count} class names for {k} classes.", nameof(options));

        var encoderOptions = options.Input is { } input
            ? new OnnxExportOptions { Input = input.MeanImage is null ? input : throw new ArgumentException("Classifiers normalise per channel; reduce the mean image to its channel means.", nameof(options)) }
            : new OnnxExportOptions { InputHeight = options.InputHeight, InputWidth = options.InputWidth, InputScale = options.InputScale, Mean = options.Mean, Std = options.Std };
        var model = OnnxEncoderExporter.BuildModel(classifier.Encoder, encoderOptions with
        {
            InputName = options.InputName, OutputName = FeaturesName, ProducerName = options.ProducerName, GraphName = "geossl_classifier",
        });
        var graph = model.Graph;
        var used = new HashSet<string>(graph.Initializer.Select(i => i.Name).Concat(graph.Node.SelectMany(n => n.Output)).Concat(graph.Input.Select(i => i.Name)), StringComparer.Ordinal);
        foreach (var name in new[] { options.ProbabilitiesName, options.LabelIndexName })
            if (used.Contains(name)) throw new ArgumentException($"Output name '{name}' is already used inside the encoder graph; choose another.", nameof(options));
        used.UnionWith(new[] { options.ProbabilitiesName, options.LabelIndexName });
        string Fresh(string hint)
        {
            string n = hint;
            for (int i = 1; !used.Add(n); i++) n = $"{hint}_{i}";
            return n;
        }

        float[] weight, bias;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            weight = classifier.Fc.weight!.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
            bias = classifier.Fc.bias!.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        }
        int d = classifier.Encoder.FeatureDimension;
        string wName = AddInitializer(graph, Fresh("fc.weight"), weight, k, d);
        string bName = AddInitializer(graph, Fresh("fc.bias"), bias, k);
        string logits = Fresh("classifier.logits");
        AddNode(graph, "Gemm", [FeaturesName, wName, bName], logits, OnnxGraphBuilder.Int("transB", 1));
        AddNode(graph, "Softmax", [logits], options.ProbabilitiesName, OnnxGraphBuilder.Int("axis", 1));
        AddNode(graph, "ArgMax", [options.ProbabilitiesName], options.LabelIndexName,
            OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 1), OnnxGraphBuilder.Int("select_last_index", 0));

        graph.Output.Clear();
        graph.Output.Add(OnnxGraphBuilder.FloatTensorInfo(options.ProbabilitiesName, OnnxEncoderExporter.BatchDimension, (long)k));
        var indexInfo = OnnxGraphBuilder.FloatTensorInfo(options.LabelIndexName, OnnxEncoderExporter.BatchDimension, 1L);
        indexInfo.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Int64;
        graph.Output.Add(indexInfo);

        model.DocString = $"GeoSSL {(int)classifier.EncoderOptions.Depth}-layer ResNet classifier, {k} classes (BatchNorm folded; softmax probabilities and argmax index).";
        SetMetadata(model, "geossl.output_dimension", k.ToString(CultureInfo.InvariantCulture));
        SetMetadata(model, "geossl.model", "classifier");
        SetMetadata(model, "geossl.classes", k.ToString(CultureInfo.InvariantCulture));
        if (options.ClassNames is not null) SetMetadata(model, "geossl.class_names", JsonSerializer.Serialize(options.ClassNames));
        return model;
    }

    private static string AddInitializer(GraphProto graph, string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        graph.Initializer.Add(t);
        return name;
    }

    private static void AddNode(GraphProto graph, string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
    }

    private static void SetMetadata(ModelProto model, string key, string value)
    {
        var entry = model.MetadataProps.FirstOrDefault(e => e.Key == key);
        if (entry is null) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        else entry.Value = value;
    }
}
