using GeoSSL.Data.Files;
using System.Globalization;
using System.Text.Json;
using GeoSSL.Core.Classification;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Export;

/// <summary>
/// Writes a <see cref="ResNetClassifier"/> as ONNX (opset 17, IR 8): the encoder graph of <see cref="OnnxEncoderExporter"/>
/// (input normalisation, BatchNorm folded into the convolutions, global average pooling), then <c>fc</c> as a Gemm, a
/// Softmax giving the probabilities (output <see cref="OnnxExportOptions.OutputName"/>; "probabilities" with
/// <see cref="OnnxExportOptions.ForClassifier"/>) and an ArgMax over them giving the predicted class index
/// (<see cref="OnnxExportOptions.LabelIndexName"/>). The module is only read.
/// </summary>
internal static class OnnxClassifierExporter
{
    private const string FeaturesName = "classifier.features";

    public static byte[] Export(ResNetClassifier classifier, OnnxExportOptions options) => BuildModel(classifier, options).ToByteArray();

    /// <summary>Writes the ONNX model to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Save(ResNetClassifier classifier, OnnxExportOptions options, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = Export(classifier, options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    public static ModelProto BuildModel(ResNetClassifier classifier, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(options);
        options.RequireNoEncoderHead("classifier");
        var names = new[] { options.InputName, options.OutputName, options.LabelIndexName };
        if (names.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("Input and output names must be set.", nameof(options));
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length) throw new ArgumentException("Input and output names must differ.", nameof(options));
        if (names.Contains(FeaturesName)) throw new ArgumentException($"'{FeaturesName}' is reserved.", nameof(options));
        int k = classifier.NumClasses;
        if (options.ClassNames is { } classNames && classNames.Count != k)
            throw new ArgumentException($"{classNames.Count} class names for {k} classes.", nameof(options));

        if (options.MeanImage is not null) throw new ArgumentException("Classifiers normalise per channel; reduce the mean image to its channel means.", nameof(options));
        var model = OnnxEncoderExporter.BuildModel(classifier.Encoder, options with { OutputName = FeaturesName, GraphName = "geossl_classifier" });
        var graph = model.Graph;
        var builder = new OnnxGraphBuilder(graph); // the head continues the encoder's graph with the same builder
        foreach (var name in new[] { options.OutputName, options.LabelIndexName })
            if (builder.IsUsed(name)) throw new ArgumentException($"Output name '{name}' is already used inside the encoder graph; choose another.", nameof(options));
        builder.Reserve(options.OutputName);
        builder.Reserve(options.LabelIndexName);

        float[] weight, bias;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            weight = classifier.Fc.weight!.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
            bias = classifier.Fc.bias!.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        }
        int d = classifier.Encoder.FeatureDimension;
        string wName = builder.AddInitializer("fc.weight", weight, k, d);
        string bName = builder.AddInitializer("fc.bias", bias, k);
        string logits = builder.AddNode("Gemm", "classifier.logits", [FeaturesName, wName, bName], [OnnxGraphBuilder.Int("transB", 1)]);
        builder.AddNode("Softmax", "probabilities", [logits], [OnnxGraphBuilder.Int("axis", 1)], outputName: options.OutputName);
        builder.AddNode("ArgMax", "label_index", [options.OutputName],
            [OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 1), OnnxGraphBuilder.Int("select_last_index", 0)], outputName: options.LabelIndexName);

        graph.Output.Clear();
        graph.Output.Add(OnnxGraphBuilder.FloatTensorInfo(options.OutputName, OnnxEncoderExporter.BatchDimension, (long)k));
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

    private static void SetMetadata(ModelProto model, string key, string value)
    {
        var entry = model.MetadataProps.FirstOrDefault(e => e.Key == key);
        if (entry is null) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        else entry.Value = value;
    }
}
