using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace GeoSSL.Core.Export;

/// <summary>Small helper that appends nodes and float initializers to an ONNX graph with unique names.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private int counter;

    public GraphProto Graph { get; } = new();

    public OnnxGraphBuilder(string graphName) => Graph.Name = graphName;

    /// <summary>
    /// Continues an existing graph (e.g. an encoder's, to put a classifier head on it): every name already in it (inputs,
    /// initializers, node outputs) is reserved, so added values never collide with it.
    /// </summary>
    public OnnxGraphBuilder(GraphProto graph)
    {
        Graph = graph;
        foreach (var name in graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(i => i.Name)).Concat(graph.Node.SelectMany(n => n.Output)))
            names.Add(name);
    }

    /// <summary>True when <paramref name="name"/> is already a value of the graph or reserved.</summary>
    public bool IsUsed(string name) => names.Contains(name);

    /// <summary>Reserves a name (graph input/output) so generated names never collide with it.</summary>
    public void Reserve(string name)
    {
        if (!names.Add(name)) throw new InvalidOperationException($"ONNX value name '{name}' is used twice.");
    }

    /// <summary>A fresh value name derived from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        while (!names.Add(name)) name = $"{hint}_{++counter}";
        return name;
    }

    /// <summary>Adds a float initializer of the given shape and returns its name.</summary>
    public string AddInitializer(string hint, float[] values, params long[] dims)
    {
        long count = 1;
        foreach (long d in dims) count *= d;
        if (count != values.Length)
            throw new InvalidOperationException($"Initializer '{hint}' has {values.Length} values but shape [{string.Join(",", dims)}].");
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        // raw_data is little-endian IEEE 754; every platform .NET supports for this code is little-endian.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian platform.");
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds an int64 initializer (shapes, sizes) of the given shape and returns its name.</summary>
    public string AddInt64Initializer(string hint, long[] values, params long[] dims)
    {
        long count = 1;
        foreach (long d in dims) count *= d;
        if (count != values.Length)
            throw new InvalidOperationException($"Initializer '{hint}' has {values.Length} values but shape [{string.Join(",", dims)}].");
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian platform.");
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node with several outputs (e.g. Split); returns their fresh names.</summary>
    public string[] AddNode(string opType, string[] outputHints, string[] inputs, IEnumerable<AttributeProto>? attributes = null)
    {
        var outputs = outputHints.Select(Fresh).ToArray();
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{Graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        if (attributes is not null) node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>Adds a node with one output; returns the output name (fresh from <paramref name="outputHint"/> unless <paramref name="outputName"/> is given).</summary>
    public string AddNode(string opType, string outputHint, string[] inputs, IEnumerable<AttributeProto>? attributes = null, string? outputName = null)
    {
        string output = outputName ?? Fresh(outputHint);
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{Graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (attributes is not null) node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A float tensor value-info whose dimensions are either fixed (long) or symbolic (string).</summary>
    public static ValueInfoProto FloatTensorInfo(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            switch (d)
            {
                case string p: dim.DimParam = p; break;
                case long v: dim.DimValue = v; break;
                case int v: dim.DimValue = v; break;
                default: throw new ArgumentException($"Unsupported dimension {d}.", nameof(dims));
            }
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }
}
