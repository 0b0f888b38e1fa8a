using GeoSSL.Data.Files;
using System.Globalization;
using GeoSSL.Core.Augmentation;
using GeoSSL.Core.Networks;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Core.Export;

/// <summary>
/// Writes a <see cref="ResNetEncoder"/> (optionally followed by a <see cref="ProjectionHead"/>) as an ONNX model
/// (opset 17, IR 8) for inference with ONNX Runtime or ML.NET's <c>ApplyOnnxModel</c>.
/// BatchNorm layers are folded into the preceding convolutions using their running statistics (eval semantics),
/// so the graph holds only Conv, Relu, MaxPool, Add, GlobalAveragePool, Flatten, Gemm and a few elementwise ops.
/// The module is only read: its parameters, buffers and training flag are left as they were.
/// </summary>
internal static class OnnxEncoderExporter
{
    /// <summary>ONNX opset of the default domain used by the exported graph.</summary>
    public const int OpsetVersion = 17;

    /// <summary>ONNX IR version of the exported model.</summary>
    public const int IrVersion = 8;

    /// <summary>Symbolic name of the batch dimension of the input and output.</summary>
    public const string BatchDimension = "N";

    /// <summary>BatchNorm epsilon used when the module does not report one (TorchSharp's and torchvision's default).</summary>
    public const double DefaultBatchNormEpsilon = 1e-5;

    /// <summary>Width D of the output [N, D] the exported graph produces for these options.</summary>
    public static int OutputDimension(ResNetEncoder encoder, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        return options.Head?.OutputDimension ?? PooledWidth(encoder.Options, options.PooledLayers, options.PoolStandardDeviation);
    }

    /// <summary>Floats of the pooled features: the stages' channels, twice with standard-deviation pools.</summary>
    public static int PooledWidth(ResNetOptions resnet, IReadOnlyList<int> pooledLayers, bool poolStandardDeviation) =>
        resnet.PooledDimension(pooledLayers) * (poolStandardDeviation ? 2 : 1);

    /// <summary>Serialises the encoder (and optional head) to ONNX model bytes.</summary>
    public static byte[] Export(ResNetEncoder encoder, OnnxExportOptions options) => BuildModel(encoder, options).ToByteArray();

    /// <summary>Writes the ONNX model to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Save(ResNetEncoder encoder, OnnxExportOptions options, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = Export(encoder, options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Builds the ONNX model in memory.</summary>
    public static ModelProto BuildModel(ResNetEncoder encoder, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(encoder);

        var resnet = encoder.Options;
        var builder = new OnnxGraphBuilder(options.GraphName);
        builder.Reserve(options.InputName);
        builder.Reserve(options.OutputName);

        using (no_grad())
        {
            string x = AddInputNormalisation(builder, options.InputName, options, resnet.InputChannels);
            if (options.TestTimeAugmentation != TestTimeAugmentation.None) x = AddViews(builder, x, options.TestTimeAugmentation);
            var stages = AddEncoderStages(builder, encoder, x, options.PooledLayers[^1]);
            var pooled = new List<string>();
            foreach (int layer in options.PooledLayers)
            {
                string pool = builder.AddNode("GlobalAveragePool", layer == 4 ? "avgpool" : $"layer{layer}.avgpool", [stages[layer]]);
                pooled.Add(builder.AddNode("Flatten", layer == 4 ? "pooled" : $"layer{layer}.pooled", [pool], [OnnxGraphBuilder.Int("axis", 1)]));
                if (options.PoolStandardDeviation) pooled.Add(AddStandardDeviationPool(builder, stages[layer], pool, layer == 4 ? "std" : $"layer{layer}.std"));
            }

            x = pooled.Count == 1 ? pooled[0] : builder.AddNode("Concat", "pooled_layers", pooled.ToArray(), [OnnxGraphBuilder.Int("axis", 1)]);
            if (options.TestTimeAugmentation != TestTimeAugmentation.None)
                x = AddViewAverage(builder, x, options.TestTimeAugmentation.Views(), PooledWidth(resnet, options.PooledLayers, options.PoolStandardDeviation));

            if (options.Head is { } head)
                x = AddProjectionHead(builder, head, x);

            if (options.L2NormalizeOutput)
            {
                string norm = builder.AddNode("ReduceL2", "l2_norm", [x],
                    [OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1)]);
                string floor = builder.AddInitializer("l2_eps", [1e-12f]);
                norm = builder.AddNode("Max", "l2_norm_clamped", [norm, floor]);
                x = builder.AddNode("Div", "l2_normalized", [x, norm]);
            }

            // The last node writes the graph output.
            var last = builder.Graph.Node[^1];
            if (last.Output[0] != x) throw new InvalidOperationException("Internal error: the graph output is not the last node's output.");
            last.Output[0] = options.OutputName;
        }

        int outputDimension = OutputDimension(encoder, options);
        var graph = builder.Graph;
        graph.Input.Add(OnnxGraphBuilder.FloatTensorInfo(options.InputName,
            BatchDimension, (long)resnet.InputChannels, (long)options.InputHeight, (long)options.InputWidth));
        graph.Output.Add(OnnxGraphBuilder.FloatTensorInfo(options.OutputName, BatchDimension, (long)outputDimension));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = options.ProducerName,
            ProducerVersion = typeof(OnnxEncoderExporter).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            ModelVersion = 1,
            DocString = $"GeoSSL {(int)resnet.Depth}-layer ResNet encoder (BatchNorm folded){(options.Head is null ? "" : " with projection head")}.",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        AddMetadata(model, "geossl.depth", ((int)resnet.Depth).ToString(CultureInfo.InvariantCulture));
        AddMetadata(model, "geossl.input_channels", resnet.InputChannels.ToString(CultureInfo.InvariantCulture));
        AddMetadata(model, "geossl.base_width", resnet.BaseWidth.ToString(CultureInfo.InvariantCulture));
        AddMetadata(model, "geossl.small_input_stem", resnet.SmallInputStem ? "true" : "false");
        AddMetadata(model, "geossl.input_scale", options.InputScale.ToString("R", CultureInfo.InvariantCulture));
        if (options.Mean is not null) AddMetadata(model, "geossl.mean", Join(options.Mean));
        if (options.Std is not null) AddMetadata(model, "geossl.std", Join(options.Std));
        AddMetadata(model, "geossl.projection_head", options.Head is null ? "false" : "true");
        AddMetadata(model, "geossl.l2_normalized", options.L2NormalizeOutput ? "true" : "false");
        AddMetadata(model, "geossl.pooled_layers", string.Join(",", options.PooledLayers));
        AddMetadata(model, "geossl.pool_std", options.PoolStandardDeviation ? "true" : "false");
        AddMetadata(model, "geossl.test_time_views", options.TestTimeAugmentation.Views().ToString(CultureInfo.InvariantCulture));
        AddMetadata(model, "geossl.output_dimension", outputDimension.ToString(CultureInfo.InvariantCulture));
        if (options.Input is { } input)
        {
            if (input.Channels != resnet.InputChannels)
                throw new ArgumentException($"The input spec has {input.Channels} bands but the encoder takes {resnet.InputChannels} channels.", nameof(options));
            AddMetadata(model, Data.Input.ImageInputSpec.MetadataKey, input.ToJson());
        }
        return model;
    }

    /// <summary>
    /// Adds the encoder's nodes (stem and residual stages up to <paramref name="lastLayer"/>, BatchNorm folded) reading the
    /// normalised value <paramref name="input"/>, and returns the names of its stage outputs: [0] the stem's ReLU (before the
    /// max-pool, as <see cref="ResNetEncoder.ForwardStages"/>), [1..lastLayer] layer1..layerN. Shared by every exporter that
    /// contains an encoder (pooled features here, dense models in <see cref="GeoSSL.Core.Dense.OnnxDenseExporter"/>).
    /// </summary>
    internal static IReadOnlyList<string> AddEncoderStages(OnnxGraphBuilder builder, ResNetEncoder encoder, string input, int lastLayer = 4)
    {
        if (lastLayer is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(lastLayer), lastLayer, "A ResNet has layers 1-4.");
        var resnet = encoder.Options;
        var weights = new WeightReader(encoder.state_dict(), BatchNormEpsilons(encoder));
        var stages = new List<string>();

        // Stem.
        string x = AddConvBn(builder, weights, input, "conv1", "bn1", stride: resnet.SmallInputStem ? 1 : 2, expectedInChannels: resnet.InputChannels);
        x = builder.AddNode("Relu", "stem_relu", [x]);
        stages.Add(x);
        if (!resnet.SmallInputStem)
        {
            x = builder.AddNode("MaxPool", "stem_maxpool", [x],
            [
                OnnxGraphBuilder.Ints("kernel_shape", 3, 3),
                OnnxGraphBuilder.Ints("strides", 2, 2),
                OnnxGraphBuilder.Ints("pads", 1, 1, 1, 1),
            ]);
        }

        // Residual stages.
        bool bottleneck = resnet.Depth == ResNetDepth.ResNet50;
        int[] blocks = resnet.Blocks;
        for (int layer = 1; layer <= lastLayer; layer++)
        {
            for (int block = 0; block < blocks[layer - 1]; block++)
            {
                string prefix = $"layer{layer}.{block}";
                int stride = layer > 1 && block == 0 ? 2 : 1;
                string identity = x;
                if (weights.Has($"{prefix}.downsample.0.weight"))
                    identity = AddConvBn(builder, weights, x, $"{prefix}.downsample.0", $"{prefix}.downsample.1", stride);

                string y;
                if (bottleneck)
                {
                    y = builder.AddNode("Relu", $"{prefix}.relu1", [AddConvBn(builder, weights, x, $"{prefix}.conv1", $"{prefix}.bn1", 1)]);
                    y = builder.AddNode("Relu", $"{prefix}.relu2", [AddConvBn(builder, weights, y, $"{prefix}.conv2", $"{prefix}.bn2", stride)]);
                    y = AddConvBn(builder, weights, y, $"{prefix}.conv3", $"{prefix}.bn3", 1);
                }
                else
                {
                    y = builder.AddNode("Relu", $"{prefix}.relu1", [AddConvBn(builder, weights, x, $"{prefix}.conv1", $"{prefix}.bn1", stride)]);
                    y = AddConvBn(builder, weights, y, $"{prefix}.conv2", $"{prefix}.bn2", 1);
                }
                string sum = builder.AddNode("Add", $"{prefix}.add", [y, identity]);
                x = builder.AddNode("Relu", $"{prefix}.out", [sum]);
            }
            stages.Add(x);
        }
        if (weights.Has($"layer1.{blocks[0]}.conv1.weight"))
            throw new NotSupportedException("The encoder has more residual blocks than its ResNetOptions describe.");
        return stages;
    }

    /// <summary>
    /// [N, C, H, W] → [V·N, C, H, W]: the images, then each other view of all of them (mirrors by Slice with step -1; for
    /// <see cref="TestTimeAugmentation.Dihedral"/> also the four flips of the transposed images, which give the 90° rotations).
    /// </summary>
    private static string AddViews(OnnxGraphBuilder builder, string x, TestTimeAugmentation augmentation)
    {
        string Reverse(string input, long axis, string name) => builder.AddNode("Slice", name, [input,
            builder.AddInt64Initializer("reverse_starts", [-1], 1), builder.AddInt64Initializer("reverse_ends", [long.MinValue], 1),
            builder.AddInt64Initializer("reverse_axes", [axis], 1), builder.AddInt64Initializer("reverse_steps", [-1], 1)]);
        List<string> Flips(string image, string name, bool both)
        {
            string h = Reverse(image, 3, $"{name}_hflip");
            if (!both) return [image, h];
            return [image, h, Reverse(image, 2, $"{name}_vflip"), Reverse(h, 2, $"{name}_rot180")];
        }
        var views = Flips(x, "input", augmentation != TestTimeAugmentation.HorizontalFlip);
        if (augmentation == TestTimeAugmentation.Dihedral)
            views.AddRange(Flips(builder.AddNode("Transpose", "input_transposed", [x], [OnnxGraphBuilder.Ints("perm", 0, 1, 3, 2)]), "transposed", both: true));
        return builder.AddNode("Concat", "input_views", views.ToArray(), [OnnxGraphBuilder.Int("axis", 0)]);
    }

    /// <summary>[V·N, D] (view-major, as <see cref="AddViews"/> stacks them) → [N, D], each image's mean over its views.</summary>
    private static string AddViewAverage(OnnxGraphBuilder builder, string x, int views, int width)
    {
        string byView = builder.AddNode("Reshape", "features_by_view", [x, builder.AddInt64Initializer("view_shape", [views, -1, width], 3)]);
        return builder.AddNode("ReduceMean", "features_view_mean", [byView], [OnnxGraphBuilder.Ints("axes", 0), OnnxGraphBuilder.Int("keepdims", 0)]);
    }

    /// <summary>Per channel, sqrt(mean over positions of (x - mean)²) as [N, C]; <paramref name="mean"/> is the stage's [N, C, 1, 1] average pool.</summary>
    private static string AddStandardDeviationPool(OnnxGraphBuilder builder, string stage, string mean, string name)
    {
        string centred = builder.AddNode("Sub", $"{name}.centred", [stage, mean]);
        string variance = builder.AddNode("GlobalAveragePool", $"{name}.variance", [builder.AddNode("Mul", $"{name}.squared", [centred, centred])]);
        string std = builder.AddNode("Sqrt", $"{name}.sqrt", [variance]);
        return builder.AddNode("Flatten", name, [std], [OnnxGraphBuilder.Int("axis", 1)]);
    }

    private static string Join(float[] values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static void AddMetadata(ModelProto model, string key, string value) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

    /// <summary>x * (scale / std) + (-mean / std), per channel, as one Mul and one Add (skipped when they are identities).</summary>
    internal static string AddInputNormalisation(OnnxGraphBuilder builder, string x, OnnxExportOptions options, int channels)
    {
        var multiplier = new float[channels];
        var offset = new float[channels];
        bool needMul = false, needAdd = false;
        for (int c = 0; c < channels; c++)
        {
            double std = options.Std is null ? 1.0 : options.Std[options.Std.Length == 1 ? 0 : c];
            double mean = options.Mean is null ? 0.0 : options.Mean[options.Mean.Length == 1 ? 0 : c];
            multiplier[c] = (float)(options.InputScale / std);
            offset[c] = (float)(-mean / std);
            needMul |= multiplier[c] != 1f;
            needAdd |= offset[c] != 0f;
        }
        if (needMul) x = builder.AddNode("Mul", "input_scaled", [x, builder.AddInitializer("input_multiplier", multiplier, 1, channels, 1, 1)]);
        if (options.MeanImage is { } image)
        {
            // (x * scale - meanImage) / std = x * (scale / std) + (-meanImage / std), the second term per pixel.
            var resized = image.ResizedTo(options.InputHeight, options.InputWidth);
            int plane = options.InputHeight * options.InputWidth;
            var pixelOffset = new float[resized.Values.Length];
            for (int c = 0; c < channels; c++)
            {
                double std = options.Std is null ? 1.0 : options.Std[options.Std.Length == 1 ? 0 : c];
                for (int i = 0; i < plane; i++) pixelOffset[c * plane + i] = (float)(-resized.Values[c * plane + i] / std);
            }
            return builder.AddNode("Add", "input_normalized", [x, builder.AddInitializer("input_offset", pixelOffset, 1, channels, options.InputHeight, options.InputWidth)]);
        }
        if (needAdd) x = builder.AddNode("Add", "input_normalized", [x, builder.AddInitializer("input_offset", offset, 1, channels, 1, 1)]);
        return x;
    }

    /// <summary>Conv (padding kernel/2, as every ResNet conv) with the following BatchNorm folded into weight and bias.</summary>
    internal static string AddConvBn(OnnxGraphBuilder builder, WeightReader weights, string x, string conv, string bn, int stride, int? expectedInChannels = null)
    {
        var (w, shape) = weights.Read($"{conv}.weight");
        if (shape.Length != 4) throw new NotSupportedException($"'{conv}.weight' has shape [{string.Join(",", shape)}], expected a 2-D convolution.");
        long outChannels = shape[0], inChannels = shape[1], kh = shape[2], kw = shape[3];
        if (expectedInChannels is int c && inChannels != c)
            throw new NotSupportedException($"'{conv}.weight' takes {inChannels} input channels but the options say {c}.");
        if (weights.Has($"{conv}.bias")) throw new NotSupportedException($"'{conv}' has a bias; ResNet convolutions are bias-free.");

        var (gamma, beta, mean, variance, eps) = weights.ReadBatchNorm(bn, outChannels);
        long perOut = inChannels * kh * kw;
        var folded = new float[w.Length];
        var bias = new float[outChannels];
        for (long o = 0; o < outChannels; o++)
        {
            double factor = gamma[o] / Math.Sqrt(variance[o] + eps);
            long start = o * perOut;
            for (long i = 0; i < perOut; i++) folded[start + i] = (float)(w[start + i] * factor);
            bias[o] = (float)(beta[o] - mean[o] * factor);
        }
        string wName = builder.AddInitializer($"{conv}.weight", folded, shape);
        string bName = builder.AddInitializer($"{conv}.bias", bias, outChannels);
        return builder.AddNode("Conv", conv, [x, wName, bName],
        [
            OnnxGraphBuilder.Ints("kernel_shape", kh, kw),
            OnnxGraphBuilder.Ints("strides", stride, stride),
            OnnxGraphBuilder.Ints("pads", kh / 2, kw / 2, kh / 2, kw / 2),
            OnnxGraphBuilder.Ints("dilations", 1, 1),
            OnnxGraphBuilder.Int("group", 1),
        ]);
    }

    private static string AddProjectionHead(OnnxGraphBuilder builder, ProjectionHead head, string x)
    {
        var reader = new WeightReader(head.state_dict(), new Dictionary<string, double>());
        string Gemm(string prefix, string input, long outDim, long inDim)
        {
            var (w, wShape) = reader.Read($"{prefix}.weight");
            if (wShape.Length != 2 || wShape[0] != outDim || wShape[1] != inDim)
                throw new NotSupportedException($"Head '{prefix}.weight' has shape [{string.Join(",", wShape)}], expected [{outDim},{inDim}].");
            var (b, _) = reader.Read($"{prefix}.bias");
            string wName = builder.AddInitializer($"head.{prefix}.weight", w, wShape);
            string bName = builder.AddInitializer($"head.{prefix}.bias", b, outDim);
            return builder.AddNode("Gemm", $"head.{prefix}", [input, wName, bName], [OnnxGraphBuilder.Int("transB", 1)]);
        }
        x = Gemm("0", x, head.HiddenDimension, head.InputDimension);
        x = builder.AddNode("Relu", "head.1", [x]);
        return Gemm("2", x, head.OutputDimension, head.HiddenDimension);
    }

    /// <summary>Epsilon of every BatchNorm2d, by state-dict prefix (public module API; falls back to 1e-5).</summary>
    internal static Dictionary<string, double> BatchNormEpsilons(TorchSharp.torch.nn.Module module)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, child) in module.named_modules())
        {
            if (child is BatchNorm2d bn) result[name] = bn.eps;
        }
        return result;
    }

    /// <summary>Reads tensors from a state dict as CPU float32 arrays without touching the module.</summary>
    internal sealed class WeightReader(Dictionary<string, Tensor> stateDict, Dictionary<string, double> epsilons)
    {
        public bool Has(string key) => stateDict.ContainsKey(key);

        public (float[] Values, long[] Shape) Read(string key)
        {
            if (!stateDict.TryGetValue(key, out var tensor))
                throw new NotSupportedException($"The module has no '{key}' entry in its state dict.");
            using var scope = NewDisposeScope();
            var cpu = tensor.detach().to(ScalarType.Float32, CPU).contiguous();
            return (cpu.data<float>().ToArray(), cpu.shape.ToArray());
        }

        public (double[] Gamma, double[] Beta, double[] Mean, double[] Variance, double Eps) ReadBatchNorm(string bn, long channels)
        {
            if (!Has($"{bn}.running_mean") || !Has($"{bn}.running_var"))
                throw new NotSupportedException($"BatchNorm '{bn}' has no running statistics; it cannot be folded.");
            double[] Vector(string key, double fallback)
            {
                if (!Has(key)) return Enumerable.Repeat(fallback, (int)channels).ToArray();
                var (values, shape) = Read(key);
                if (shape.Length != 1 || shape[0] != channels)
                    throw new NotSupportedException($"'{key}' has shape [{string.Join(",", shape)}], expected [{channels}].");
                return Array.ConvertAll(values, v => (double)v);
            }
            double eps = epsilons.TryGetValue(bn, out var e) ? e : DefaultBatchNormEpsilon;
            return (Vector($"{bn}.weight", 1.0), Vector($"{bn}.bias", 0.0), Vector($"{bn}.running_mean", 0.0), Vector($"{bn}.running_var", 1.0), eps);
        }
    }
}
