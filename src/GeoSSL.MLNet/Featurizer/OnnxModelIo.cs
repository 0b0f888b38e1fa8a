using Google.Protobuf;
using GeoSSL.Data.Input;
using Onnx;

namespace GeoSSL.MLNet.Featurizer;

/// <summary>
/// Small edits and reads on ONNX bytes. ML.NET's ApplyOnnxModel binds columns by the graph's input/output
/// names, so an encoder saved with the names "input"/"features" is renamed to the pipeline's column names.
/// </summary>
internal static class OnnxModelIo
{
    public static byte[] RenameIo(byte[] model, string inputName, string outputName)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var graph = proto.Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet();
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1 || graph.Output.Count != 1)
            throw new InvalidDataException($"Expected an encoder with one input and one output; this model has {inputs.Count} and {graph.Output.Count}.");
        Rename(graph, inputs[0].Name, inputName);
        inputs[0].Name = inputName;
        Rename(graph, graph.Output[0].Name, outputName);
        graph.Output[0].Name = outputName;
        return proto.ToByteArray();
    }

    private static void Rename(GraphProto graph, string from, string to)
    {
        if (from == to) return;
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == from) node.Input[i] = to;
            for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == from) node.Output[i] = to;
        }
    }

    /// <summary>
    /// The same encoder declared for <paramref name="size"/> x <paramref name="size"/> inputs. Valid for encoders whose
    /// operations do not depend on the input size (convolutions, pooling, global average pooling: every GeoSSL export and
    /// torchvision-style ResNet); ONNX Runtime rejects the model at load time otherwise.
    /// </summary>
    public static byte[] WithInputSize(byte[] model, int size, string source)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var graph = proto.Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet();
        var input = graph.Input.FirstOrDefault(i => !initializers.Contains(i.Name))
            ?? throw new InvalidDataException($"'{source}' has no graph input.");
        var dims = input.Type.TensorType.Shape.Dim;
        if (dims.Count != 4) throw new InvalidDataException($"'{source}': input '{input.Name}' must be [N, C, H, W] to be resized.");
        long height = dims[2].DimValue, width = dims[3].DimValue;
        // A constant laid out per input pixel (a mean image) only fits the size it was written for.
        var perPixel = graph.Initializer.FirstOrDefault(t => t.Dims.Count >= 2 && t.Dims[^2] == height && t.Dims[^1] == width && height * width > 1);
        if (perPixel is not null && (height != size || width != size))
            throw new InvalidDataException($"'{source}' holds '{perPixel.Name}', a constant per input pixel ({height}x{width}, e.g. a mean image), so it only " +
                $"works at {height}x{width}. Featurize from the training checkpoint to choose another size, or export the encoder at {size} px.");
        dims[2].ClearDimParam(); dims[2].DimValue = size;
        dims[3].ClearDimParam(); dims[3].DimValue = size;
        // Stored intermediate shapes would contradict the new size; ONNX Runtime infers them again.
        graph.ValueInfo.Clear();
        // The input contract in the metadata says the size too.
        var spec = proto.MetadataProps.FirstOrDefault(p => p.Key == ImageInputSpec.MetadataKey);
        if (spec is not null) spec.Value = ImageInputSpec.FromJson(spec.Value, source).WithSize(size, size).ToJson();
        return proto.ToByteArray();
    }

    /// <summary>The input contract a GeoSSL export stores in its metadata; null for ONNX files from elsewhere (or older exports).</summary>
    public static ImageInputSpec? ReadInputSpec(byte[] model, string source)
    {
        var entry = ModelProto.Parser.ParseFrom(model).MetadataProps.FirstOrDefault(p => p.Key == ImageInputSpec.MetadataKey);
        return entry is null ? null : ImageInputSpec.FromJson(entry.Value, source);
    }

    /// <summary>Channels, height and width of the encoder input and the output width, from the graph's declared shapes.</summary>
    public static (int Channels, int Height, int Width, int OutputDimension) ReadShapes(byte[] model, string source)
    {
        var graph = ModelProto.Parser.ParseFrom(model).Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet();
        var input = graph.Input.FirstOrDefault(i => !initializers.Contains(i.Name))
            ?? throw new InvalidDataException($"'{source}' has no graph input.");
        var dims = input.Type.TensorType.Shape.Dim;
        if (dims.Count != 4 || dims.Skip(1).Any(d => d.DimValue <= 0))
            throw new InvalidDataException($"'{source}': input '{input.Name}' must be [N, C, H, W] with fixed C, H, W to be used as an image featurizer.");
        var outDims = graph.Output[0].Type.TensorType.Shape.Dim;
        if (outDims.Count != 2 || outDims[1].DimValue <= 0)
            throw new InvalidDataException($"'{source}': output '{graph.Output[0].Name}' must be [N, D] with a fixed D.");
        return ((int)dims[1].DimValue, (int)dims[2].DimValue, (int)dims[3].DimValue, (int)outDims[1].DimValue);
    }

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> and the first float initializer holding NaN or
    /// infinity: such a file would featurize every image to NaN without any error from ONNX Runtime.
    /// </summary>
    public static void RequireFiniteWeights(byte[] model, string source)
    {
        foreach (var t in ModelProto.Parser.ParseFrom(model).Graph.Initializer)
        {
            if (t.DataType != (int)TensorProto.Types.DataType.Float) continue;
            int bad = t.RawData.Length > 0
                ? CountNonFinite(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span))
                : CountNonFinite(t.FloatData.ToArray());
            if (bad > 0)
                throw new InvalidDataException($"'{source}': weight '{t.Name}' holds {bad} non-finite value(s) (NaN or infinity); the file is corrupt or comes from a run that diverged.");
        }
    }

    private static int CountNonFinite(ReadOnlySpan<float> values)
    {
        int bad = 0;
        foreach (var v in values) if (!float.IsFinite(v)) bad++;
        return bad;
    }

    /// <summary>
    /// A stand-in with the same input and output shapes (pool, flatten, matmul), used only to let ML.NET compute
    /// the output schema before training has produced the real encoder.
    /// </summary>
    public static byte[] ShapeOnly(int channels, int height, int width, int outputDimension, string inputName, string outputName)
    {
        var graph = new GraphProto { Name = "geossl_shape_only" };
        graph.Input.Add(Info(inputName, "N", channels, height, width));
        graph.Output.Add(Info(outputName, "N", outputDimension));
        var weight = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float };
        weight.Dims.AddRange(new long[] { channels, outputDimension });
        weight.FloatData.AddRange(new float[channels * outputDimension]);
        graph.Initializer.Add(weight);
        graph.Node.Add(Node("GlobalAveragePool", inputName, "pooled"));
        graph.Node.Add(Node("Flatten", "pooled", "flat"));
        var matmul = Node("MatMul", "flat", outputName);
        matmul.Input.Add("w");
        graph.Node.Add(matmul);
        var model = new ModelProto { IrVersion = 8, ProducerName = "GeoSSL.MLNet", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    private static NodeProto Node(string op, string input, string output)
    {
        var n = new NodeProto { OpType = op, Name = output };
        n.Input.Add(input);
        n.Output.Add(output);
        return n;
    }

    private static ValueInfoProto Info(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = (int)d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }
}
