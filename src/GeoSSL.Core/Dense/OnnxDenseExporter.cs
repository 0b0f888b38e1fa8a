using System.Globalization;
using System.Text.Json;
using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using GeoSSL.Data.Files;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Dense;

/// <summary>
/// Writes a <see cref="DenseModel"/> as ONNX (opset 17, IR 8), in eval semantics with every BatchNorm folded into its conv.
/// The encoder's nodes come from <see cref="OnnxEncoderExporter"/> (the same code that exports featurizers); for a change
/// model both normalised dates are concatenated along the batch axis, encoded once (one set of weights, as in TorchSharp)
/// and split again, then fused per scale (Sub + Abs, or Concat). The decoder is Resize (linear, half_pixel: torch's
/// bilinear with align_corners=false) to the skip's size, Concat, two Conv + Relu per block; the head is a 1x1 Conv and a
/// Softmax over the class axis. Inputs are named <see cref="OnnxExportOptions.InputName"/> and
/// <see cref="OnnxExportOptions.SecondInputName"/>, the output <see cref="OnnxExportOptions.OutputName"/> ("image1", "image2",
/// "probabilities" with <see cref="OnnxExportOptions.ForDense"/>). The module is only read.
/// </summary>
internal static class OnnxDenseExporter
{
    public static byte[] Export(DenseModel model, OnnxExportOptions options) => BuildModel(model, options).ToByteArray();

    /// <summary>Writes the ONNX model to <paramref name="path"/> atomically.</summary>
    public static void Save(DenseModel model, OnnxExportOptions options, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.WriteAllBytes(path, Export(model, options));
    }

    public static ModelProto BuildModel(DenseModel model, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var dense = model.Options;
        var resnet = dense.Encoder;
        bool pair = dense.Inputs == 2;
        options.RequireNoEncoderHead("dense model");
        string[] inputs = pair ? [options.InputName, options.SecondInputName] : [options.InputName];
        foreach (var name in inputs) ForInput(options, name).Validate(model.Encoder);
        if (pair && options.InputName == options.SecondInputName) throw new ArgumentException("The two image inputs need different names.", nameof(options));
        if (options.PositiveClassOnly && dense.Classes < 2) throw new ArgumentException("PositiveClassOnly needs at least 2 classes.", nameof(options));
        if (options.ClassNames is { } names && names.Count != dense.Classes)
            throw new ArgumentException($"{names.Count} class names for {dense.Classes} classes.", nameof(options));
        if (options.Input is { } spec && spec.Channels != resnet.InputChannels)
            throw new ArgumentException($"The input spec has {spec.Channels} bands but the encoder takes {resnet.InputChannels} channels.", nameof(options));

        var builder = new OnnxGraphBuilder(pair ? "geossl_change_detection" : "geossl_segmentation");
        foreach (var name in inputs) builder.Reserve(name);
        builder.Reserve(options.OutputName);

        using (no_grad())
        {
            var normalised = inputs.Select(name => OnnxEncoderExporter.AddInputNormalisation(builder, name, ForInput(options, name), resnet.InputChannels)).ToArray();
            string batch = pair ? builder.AddNode("Concat", "dates", normalised, [OnnxGraphBuilder.Int("axis", 0)]) : normalised[0];
            var stages = OnnxEncoderExporter.AddEncoderStages(builder, model.Encoder, batch);
            if (pair) stages = stages.Select((s, i) => Fuse(builder, s, i, dense.Fusion)).ToList();

            var sizes = StageSizes(resnet, options.InputHeight, options.InputWidth);
            var weights = new OnnxEncoderExporter.WeightReader(model.state_dict(), OnnxEncoderExporter.BatchNormEpsilons(model));
            string x = stages[4];
            var current = sizes[4];
            for (int i = 0; i < 5; i++)
            {
                string prefix = $"decoder.blocks.{i}";
                var target = i < 4 ? sizes[3 - i] : (options.InputHeight, options.InputWidth);
                if (target != current) x = AddResize(builder, x, target, prefix);
                current = target;
                if (i < 4) x = builder.AddNode("Concat", $"{prefix}.cat", [x, stages[3 - i]], [OnnxGraphBuilder.Int("axis", 1)]);
                x = builder.AddNode("Relu", $"{prefix}.conv1", [OnnxEncoderExporter.AddConvBn(builder, weights, x, $"{prefix}.conv1.0", $"{prefix}.conv1.1", 1)]);
                x = builder.AddNode("Relu", $"{prefix}.conv2", [OnnxEncoderExporter.AddConvBn(builder, weights, x, $"{prefix}.conv2.0", $"{prefix}.conv2.1", 1)]);
            }
            if (weights.Has("decoder.blocks.5.conv1.0.weight")) throw new NotSupportedException("The decoder has more blocks than expected.");

            var (headWeight, headShape) = weights.Read("segmentation_head.0.weight");
            var (headBias, _) = weights.Read("segmentation_head.0.bias");
            if (headShape.Length != 4 || headShape[0] != dense.Classes || headShape[2] != 1 || headShape[3] != 1)
                throw new NotSupportedException($"segmentation_head.0.weight has shape [{string.Join(",", headShape)}], expected [{dense.Classes}, C, 1, 1].");
            string logits = builder.AddNode("Conv", "segmentation_head.0",
                [x, builder.AddInitializer("segmentation_head.0.weight", headWeight, headShape), builder.AddInitializer("segmentation_head.0.bias", headBias, dense.Classes)],
                [OnnxGraphBuilder.Ints("kernel_shape", 1, 1), OnnxGraphBuilder.Ints("strides", 1, 1), OnnxGraphBuilder.Ints("pads", 0, 0, 0, 0)]);
            bool last = !options.PositiveClassOnly && !options.SingleImage;
            string probabilities = builder.AddNode("Softmax", "probabilities", [logits], [OnnxGraphBuilder.Int("axis", 1)], outputName: last ? options.OutputName : null);
            if (options.PositiveClassOnly) // Gather with a scalar index drops the class axis: [N, K, H, W] -> [N, H, W].
                probabilities = builder.AddNode("Gather", "positive", [probabilities, builder.AddInt64Initializer("positive_class", [1])], [OnnxGraphBuilder.Int("axis", 1)],
                    outputName: options.SingleImage ? null : options.OutputName);
            if (options.SingleImage)
                builder.AddNode("Squeeze", "unbatched", [probabilities, builder.AddInt64Initializer("batch_axis", [0], 1)], outputName: options.OutputName);
        }

        var graph = builder.Graph;
        object batchDim = options.SingleImage ? 1L : OnnxEncoderExporter.BatchDimension;
        foreach (var name in inputs)
            graph.Input.Add(OnnxGraphBuilder.FloatTensorInfo(name, batchDim, (long)resnet.InputChannels, (long)options.InputHeight, (long)options.InputWidth));
        var outputDims = new List<object> { batchDim };
        if (!options.PositiveClassOnly) outputDims.Add((long)dense.Classes);
        outputDims.AddRange([(long)options.InputHeight, (long)options.InputWidth]);
        if (options.SingleImage) outputDims.RemoveAt(0);
        graph.Output.Add(OnnxGraphBuilder.FloatTensorInfo(options.OutputName, outputDims.ToArray()));

        var result = new ModelProto
        {
            IrVersion = OnnxEncoderExporter.IrVersion,
            ProducerName = options.ProducerName,
            ProducerVersion = typeof(OnnxDenseExporter).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            ModelVersion = 1,
            DocString = pair
                ? $"GeoSSL siamese ResNet-{(int)resnet.Depth} U-Net change detector ({dense.Fusion} fusion; BatchNorm folded; softmax probabilities)."
                : $"GeoSSL ResNet-{(int)resnet.Depth} U-Net segmentation, {dense.Classes} classes (BatchNorm folded; softmax probabilities).",
            Graph = graph,
        };
        result.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxEncoderExporter.OpsetVersion });
        void Meta(string key, string value) => result.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Meta("geossl.model", pair ? "change_detection" : "segmentation");
        Meta("geossl.classes", dense.Classes.ToString(CultureInfo.InvariantCulture));
        Meta("geossl.inputs", dense.Inputs.ToString(CultureInfo.InvariantCulture));
        if (pair) Meta("geossl.fusion", dense.Fusion.ToString());
        Meta("geossl.depth", ((int)resnet.Depth).ToString(CultureInfo.InvariantCulture));
        Meta("geossl.input_channels", resnet.InputChannels.ToString(CultureInfo.InvariantCulture));
        Meta("geossl.base_width", resnet.BaseWidth.ToString(CultureInfo.InvariantCulture));
        Meta("geossl.small_input_stem", resnet.SmallInputStem ? "true" : "false");
        Meta("geossl.input_scale", options.InputScale.ToString("R", CultureInfo.InvariantCulture));
        if (options.Input is { } input) Meta(ImageInputSpecKey, input.ToJson());
        if (options.ClassNames is not null) Meta("geossl.class_names", JsonSerializer.Serialize(options.ClassNames));
        return result;
    }

    /// <summary>The encoder exporter's view of one image input: its validation and normalisation are reused as they are.</summary>
    private static OnnxExportOptions ForInput(OnnxExportOptions options, string name) => options with { InputName = name };

    private const string ImageInputSpecKey = GeoSSL.Data.Input.ImageInputSpec.MetadataKey;

    // Dates were encoded as one batch [2N, ...]: split into halves, then |f1 - f2| or cat(f1, f2) on channels.
    private static string Fuse(OnnxGraphBuilder builder, string stage, int index, ChangeFusion fusion)
    {
        var halves = builder.AddNode("Split", [$"stage{index}.date1", $"stage{index}.date2"], [stage], [OnnxGraphBuilder.Int("axis", 0)]);
        if (fusion == ChangeFusion.Concatenation)
            return builder.AddNode("Concat", $"stage{index}.fused", halves, [OnnxGraphBuilder.Int("axis", 1)]);
        string difference = builder.AddNode("Sub", $"stage{index}.difference", halves);
        return builder.AddNode("Abs", $"stage{index}.fused", [difference]);
    }

    // Resize needs all four output sizes, but the batch is symbolic: [N, C] is read from the tensor's shape at run time.
    private static string AddResize(OnnxGraphBuilder builder, string x, (int H, int W) size, string prefix)
    {
        string batchAndChannels = builder.AddNode("Shape", $"{prefix}.shape", [x], [OnnxGraphBuilder.Int("start", 0), OnnxGraphBuilder.Int("end", 2)]);
        string spatial = builder.AddInt64Initializer($"{prefix}.size", [size.H, size.W], 2);
        string sizes = builder.AddNode("Concat", $"{prefix}.sizes", [batchAndChannels, spatial], [OnnxGraphBuilder.Int("axis", 0)]);
        return builder.AddNode("Resize", $"{prefix}.upsampled", [x, "", "", sizes],
        [
            OnnxGraphBuilder.String("mode", "linear"),
            OnnxGraphBuilder.String("coordinate_transformation_mode", "half_pixel"),
        ]);
    }

    /// <summary>Spatial sizes of the stem and layer1-4 outputs for an input of height x width (torch's conv/pool rounding).</summary>
    internal static (int H, int W)[] StageSizes(ResNetOptions resnet, int height, int width)
    {
        // Every stride-2 op here (7x7/3x3 conv with padding k/2, 3x3 max-pool with padding 1) maps s to floor((s - 1) / 2) + 1.
        static (int, int) Half((int H, int W) s) => ((s.H - 1) / 2 + 1, (s.W - 1) / 2 + 1);
        var sizes = new (int H, int W)[5];
        sizes[0] = resnet.SmallInputStem ? (height, width) : Half((height, width));
        sizes[1] = resnet.SmallInputStem ? sizes[0] : Half(sizes[0]);
        for (int i = 2; i < 5; i++) sizes[i] = Half(sizes[i - 1]);
        return sizes;
    }
}
