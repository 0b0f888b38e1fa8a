using System.Runtime.InteropServices;
using GeoSSL.Core.Networks;
using Onnx;
using static TorchSharp.torch;

namespace GeoSSL.Core.Import;

/// <summary>
/// Loads the weights of a ResNet stored as ONNX (for example ML.NET's <c>ResNet18.onnx</c> from
/// Microsoft.ML.DnnImageFeaturizer.ResNet18, exported by CNTK with names like "Parameter91") into a
/// <see cref="ResNetEncoder"/> in torchvision layout. Initializer names carry no meaning in such files, so the mapping
/// follows the graph: from the input, the stem convolution; then block by block, the convolutions that read the block's
/// input (main path, plus the shortcut whose BatchNorm output goes straight into the block's Add), the main path up to
/// that Add, and the ReLU after it as the next block's input. Each convolution's BatchNorm supplies weight, bias and
/// running statistics; a convolution bias is folded into the running mean and a different epsilon into the running variance.
/// </summary>
internal static class OnnxResNetImporter
{
    /// <summary>Copies the ONNX model's weights into <paramref name="encoder"/>; returns the torchvision names it filled.</summary>
    /// <param name="reverseInputChannels">Flip conv1's input channels, e.g. to feed RGB to a network trained on BGR.</param>
    public static IReadOnlyList<string> LoadInto(ResNetEncoder encoder, string onnxPath, bool reverseInputChannels = false)
    {
        var model = Parse(onnxPath);
        var weights = ReadWeights(model.Graph, onnxPath, encoder.Options);
        var target = encoder.state_dict();
        var expected = target.Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        foreach (var name in expected)
            if (!weights.ContainsKey(name))
                throw new InvalidDataException($"'{onnxPath}': no weights for '{name}' (missing in the ONNX graph).");
        foreach (var name in weights.Keys)
            if (!target.ContainsKey(name))
                throw new InvalidDataException($"'{onnxPath}': the graph has '{name}', which this encoder does not (extra).");
        foreach (var name in expected)
        {
            var (data, shape) = weights[name];
            var want = target[name].shape;
            if (!want.SequenceEqual(shape))
                throw new InvalidDataException($"'{onnxPath}': '{name}' is [{string.Join(",", shape)}] in the graph, [{string.Join(",", want)}] in the encoder (wrong shape).");
        }
        using (no_grad())
        {
            foreach (var name in expected)
            {
                using var scope = NewDisposeScope();
                var (data, shape) = weights[name];
                var source = tensor(data, shape);
                if (reverseInputChannels && name == "conv1.weight") source = source.flip(1);
                target[name].copy_(source.to(target[name].device));
            }
        }
        return expected;
    }

    private static ModelProto Parse(string onnxPath)
    {
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"ONNX model '{onnxPath}' does not exist.", onnxPath);
        try { return ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath)); }
        catch (Exception e) { throw new InvalidDataException($"'{onnxPath}' is not an ONNX model (truncated, or another kind of file): {e.Message}", e); }
    }

    /// <summary>
    /// The encoder shape stored in an ONNX ResNet: block type (ResNet-18 basic or ResNet-50 bottleneck), blocks per layer,
    /// base width and input channels, read from the graph, so that <see cref="LoadInto"/> can be given a matching encoder.
    /// </summary>
    public static ResNetOptions ReadLayout(string onnxPath)
    {
        var graph = Parse(onnxPath).Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        var stem = initializers[convs[0].Input[1]].Dims;
        bool small = stem[2] == 3;
        // Residual additions in order; the width of each block's output says which layer it belongs to.
        var adds = graph.Node.Where(n => n.OpType == "Add").ToList();
        var outputChannels = new Dictionary<string, long>();
        foreach (var n in graph.Node)
        {
            if (n.OpType == "Conv") outputChannels[n.Output[0]] = initializers[n.Input[1]].Dims[0];
            else if (n.Input.Count > 0 && outputChannels.TryGetValue(n.Input[0], out var c)) outputChannels[n.Output[0]] = c;
        }
        var widths = adds.Select(a => outputChannels.GetValueOrDefault(a.Output[0])).ToList();
        var counts = widths.GroupBy(w => w).OrderBy(g => g.Key).Select(g => g.Count()).ToArray();
        int convsPerBlock = (convs.Count - 1 - (counts.Length - 1) - (widths[0] != stem[0] ? 1 : 0)) / Math.Max(1, adds.Count);
        var depth = convsPerBlock == 3 ? ResNetDepth.ResNet50 : ResNetDepth.ResNet18;
        if (counts.Length != 4) throw new InvalidDataException($"'{onnxPath}': expected residual blocks at four widths; found {counts.Length}.");
        var standard = depth == ResNetDepth.ResNet50 ? new[] { 3, 4, 6, 3 } : new[] { 2, 2, 2, 2 };
        return new ResNetOptions
        {
            Depth = depth, BaseWidth = (int)stem[0], InputChannels = (int)stem[1], SmallInputStem = small,
            BlocksPerLayer = counts.SequenceEqual(standard) ? null : counts,
        };
    }

    private static Dictionary<string, (float[] Data, long[] Shape)> ReadWeights(GraphProto graph, string path, ResNetOptions options)
    {
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
            foreach (var input in node.Input)
                (consumers.TryGetValue(input, out var list) ? list : consumers[input] = new List<NodeProto>()).Add(node);
        List<NodeProto> Readers(string tensorName, string op) => consumers.TryGetValue(tensorName, out var l) ? l.Where(n => n.OpType == op).ToList() : new();
        NodeProto Single(string tensorName, string op, string what)
        {
            var found = Readers(tensorName, op);
            if (found.Count != 1) throw new InvalidDataException($"'{path}': expected one {op} reading '{tensorName}' ({what}); found {found.Count}. Is this a torchvision-style ResNet?");
            return found[0];
        }

        var result = new Dictionary<string, (float[], long[])>();
        void Take(string prefix, NodeProto conv, string bnPrefix, out string bnOutput)
        {
            var bn = Single(conv.Output[0], "BatchNormalization", $"{prefix} batch norm");
            AddConvAndNorm(result, initializers, path, prefix, conv, bnPrefix, bn);
            bnOutput = bn.Output[0];
        }

        string graphInput = graph.Input.Select(i => i.Name).First(n => !initializers.ContainsKey(n));
        var stem = Single(graphInput, "Conv", "stem convolution");
        Take("conv1", stem, "bn1", out var stemOut);
        var relu = Single(stemOut, "Relu", "stem ReLU");
        string current = relu.Output[0];
        if (!options.SmallInputStem) current = Single(current, "MaxPool", "stem max-pool").Output[0];

        int[] blocks = options.Blocks;
        int convsPerBlock = options.Depth == ResNetDepth.ResNet50 ? 3 : 2;
        for (int layer = 0; layer < 4; layer++)
            for (int block = 0; block < blocks[layer]; block++)
            {
                string prefix = $"layer{layer + 1}.{block}";
                var readers = Readers(current, "Conv");
                if (readers.Count is < 1 or > 2) throw new InvalidDataException($"'{path}': {prefix} should start with one or two convolutions; {readers.Count} read its input.");
                NodeProto? shortcut = null;
                NodeProto main = readers[0];
                if (readers.Count == 2)
                {
                    // The shortcut's BatchNorm feeds the block's Add directly; the main path's first one feeds a ReLU.
                    bool FeedsAdd(NodeProto c) => Readers(Single(c.Output[0], "BatchNormalization", "shortcut").Output[0], "Add").Count == 1;
                    (shortcut, main) = FeedsAdd(readers[0]) ? (readers[0], readers[1]) : (readers[1], readers[0]);
                }
                string mainOut = "";
                var conv = main;
                for (int k = 1; k <= convsPerBlock; k++)
                {
                    Take($"{prefix}.conv{k}", conv, $"{prefix}.bn{k}", out mainOut);
                    if (k < convsPerBlock) conv = Single(Single(mainOut, "Relu", $"{prefix} ReLU {k}").Output[0], "Conv", $"{prefix}.conv{k + 1}");
                }
                string shortcutOut = current;
                if (shortcut is not null) Take($"{prefix}.downsample.0", shortcut, $"{prefix}.downsample.1", out shortcutOut);
                var add = Single(mainOut, "Add", $"{prefix} residual addition");
                if (!add.Input.Contains(shortcutOut)) throw new InvalidDataException($"'{path}': the residual addition of {prefix} does not add the block's shortcut.");
                current = Single(add.Output[0], "Relu", $"{prefix} output ReLU").Output[0];
            }
        // Whatever follows layer4 must not be another residual block (the encoder would silently drop it).
        if (Readers(current, "Conv").Count > 0)
            throw new InvalidDataException($"'{path}': the graph has more residual blocks than the encoder's [{string.Join(",", blocks)}] (extra). " +
                $"Describe its layout with ResNetOptions.BlocksPerLayer (see OnnxResNetImporter.ReadLayout).");
        return result;
    }

    private static void AddConvAndNorm(Dictionary<string, (float[], long[])> result, Dictionary<string, TensorProto> initializers, string path,
        string convName, NodeProto conv, string bnName, NodeProto bn)
    {
        (float[] Data, long[] Shape) Get(string name, string role) => initializers.TryGetValue(name, out var t)
            ? (Floats(t, path), t.Dims.ToArray())
            : throw new InvalidDataException($"'{path}': {role} '{name}' is not a constant initializer.");
        result[convName + ".weight"] = Get(conv.Input[1], $"{convName} weight");
        var scale = Get(bn.Input[1], $"{bnName} scale");
        var bias = Get(bn.Input[2], $"{bnName} bias");
        var mean = Get(bn.Input[3], $"{bnName} mean");
        var variance = Get(bn.Input[4], $"{bnName} variance");
        // A convolution bias b shifts the batch-norm input: BN(conv(x) + b) = BN'(conv(x)) with mean' = mean - b.
        if (conv.Input.Count > 2 && conv.Input[2].Length > 0)
        {
            var convBias = Get(conv.Input[2], $"{convName} bias").Data;
            mean = (mean.Data.Select((m, i) => m - convBias[i]).ToArray(), mean.Shape);
        }
        // Our BatchNorm2d uses eps 1e-5; another eps is absorbed into the variance so the result is unchanged.
        float eps = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
        if (Math.Abs(eps - 1e-5f) > 1e-9f) variance = (variance.Data.Select(v => v + eps - 1e-5f).ToArray(), variance.Shape);
        result[bnName + ".weight"] = scale;
        result[bnName + ".bias"] = bias;
        result[bnName + ".running_mean"] = mean;
        result[bnName + ".running_var"] = variance;
    }

    private static float[] Floats(TensorProto t, string path)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"'{path}': initializer '{t.Name}' is of ONNX type {t.DataType}; only float32 weights are read.");
        if (t.FloatData.Count > 0) return t.FloatData.ToArray();
        return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
    }
}
