using System.Reflection;
using GeoSSL.Data.Input;
using GeoSSL.MLNet.Reading;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;
using Onnx;

namespace GeoSSL.MLNet.Classification;

/// <summary>Where the classifier reads images from, and what the network takes (<see cref="Input"/>: bands, sample scale, size).</summary>
internal sealed record ClassifierInput(string ImageColumnName, ImageColumnKind ImageKind, string? ImageFolder, ImageInputSpec Input)
{
    /// <summary>Side in pixels the images are brought to (tensor columns already have it).</summary>
    public int ImageSize => Input.Height;
}

/// <summary>
/// Builds the trained classifier as a chain of stock ML.NET transforms:
/// <list type="number">
/// <item>LoadImages (for a path column) → ResizeImages → ExtractPixels (planar RGB floats 0..255); for a tensor column
/// (planar raw samples [C, H, W]) just CopyColumns, as the ONNX graph scales and normalises the samples itself;</item>
/// <item>ApplyOnnxModel: normalisation, encoder, fc and Softmax give <c>Score</c> (class probabilities, with the class
/// names as slot names); an ArgMax gives the class index as an Int64 vector of length 1;</item>
/// <item>Hash with <c>combine</c> turns that one-slot vector into a scalar key (ML.NET has no other stock transform that
/// makes a scalar of a vector, and ONNX scalar outputs cannot be read through ApplyOnnxModel); the hash of every class
/// index is computed at fit time with the same transform and checked to be distinct;</item>
/// <item>MapValue maps each hash to the class's key value (the label's own value, e.g. its name);</item>
/// <item>MapValueToKey with <c>keyData</c> = the label's key values in key order makes <c>PredictedLabel</c>, a key with
/// the same count, order and values as the label;</item>
/// <item>DropColumns removes the temporaries.</item>
/// </list>
/// Everything is ML.NET's own, so <c>Model.Save</c> writes it with the ONNX bytes embedded and <c>Model.Load</c> needs nothing from this package.
/// </summary>
internal static class ClassifierChainBuilder
{
    public const string ScoreColumnName = "Score";
    public const string PredictedLabelColumnName = "PredictedLabel";
    private const string Prefix = "GeoImageClassifier.";
    public const string ImageColumn = Prefix + "Image";
    public const string ResizedColumn = Prefix + "Resized";
    public const string PixelsColumn = Prefix + "Pixels";
    public const string IndexColumn = Prefix + "Index";
    public const string HashColumn = Prefix + "Hash";
    public const string ClassColumn = Prefix + "Class";
    private const int HashBits = 31;

    /// <summary>(LoadImages) → ResizeImages → ExtractPixels (planar RGB, 0..255, floats or bytes), or CopyColumns of a tensor column, into <see cref="PixelsColumn"/>.</summary>
    public static IEstimator<ITransformer> Preprocessing(TransformsCatalog t, ClassifierInput input, bool asFloats, out List<string> temporaries) =>
        Featurizer.ImagePixelsChain.Create(t, input.ImageColumnName, input.ImageKind, input.ImageFolder, input.ImageSize, input.ImageSize,
            Prefix, asFloats, out temporaries);

    /// <param name="onnx">Classifier with input <see cref="PixelsColumn"/> and outputs <see cref="ScoreColumnName"/> and <see cref="IndexColumn"/> (see <see cref="ForMlNet"/>).</param>
    public static IEstimator<ITransformer> CreateEstimator(TransformsCatalog t, ClassifierInput input, byte[] onnx, ClassLabels classes)
    {
        var (seed, hashes) = ClassIndexHashes(t, classes.Count);
        IEstimator<ITransformer> chain = Preprocessing(t, input, asFloats: true, out var temporaries)
            .Append(t.ApplyOnnxModel(new[] { ScoreColumnName, IndexColumn }, new[] { PixelsColumn }, new MemoryStream(onnx)))
            .Append(t.Conversion.Hash(new HashingEstimator.ColumnOptions(HashColumn, IndexColumn, HashBits, seed, combine: true)));
        var mapping = typeof(ClassifierChainBuilder).GetMethod(nameof(AppendLabelMapping), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(classes.ValueType);
        chain = (IEstimator<ITransformer>)mapping.Invoke(null, new object[] { t, chain, hashes, classes.Values })!;
        temporaries.AddRange(new[] { IndexColumn, HashColumn, ClassColumn });
        return chain.Append(t.DropColumns(temporaries.ToArray()));
    }

    private static IEstimator<ITransformer> AppendLabelMapping<T>(TransformsCatalog t, IEstimator<ITransformer> chain, uint[] hashes, T[] values)
    {
        var pairs = hashes.Select((h, i) => new KeyValuePair<uint, T>(h, values[i])).ToList();
        var keyData = new MLContext(seed: 0).Data.LoadFromEnumerable(values.Select(v => new ValueRow<T> { Value = v }).ToList());
        return chain
            .Append(t.Conversion.MapValue(ClassColumn, pairs, HashColumn))
            .Append(t.Conversion.MapValueToKey(PredictedLabelColumnName, ClassColumn, keyData: keyData));
    }

    private sealed class ValueRow<T>
    {
        public T Value { get; set; } = default!;
    }

    private sealed class IndexRow
    {
        [VectorType(1)]
        public long[] Index { get; set; } = [];
    }

    /// <summary>The hash the stock Hash transform (combine, 31 bits) gives each class index, with a seed that makes them distinct.</summary>
    private static (uint Seed, uint[] Hashes) ClassIndexHashes(TransformsCatalog t, int classes)
    {
        var probe = new MLContext(seed: 0).Data.LoadFromEnumerable(Enumerable.Range(0, classes).Select(i => new IndexRow { Index = new long[] { i } }).ToList());
        for (uint seed = 314489979; seed < 314489979 + 64; seed++)
        {
            var hash = t.Conversion.Hash(new HashingEstimator.ColumnOptions(HashColumn, nameof(IndexRow.Index), HashBits, seed, combine: true)).Fit(probe);
            var hashes = hash.Transform(probe).GetColumn<uint>(HashColumn).ToArray();
            if (hashes.Length == classes && hashes.Distinct().Count() == classes && !hashes.Contains(0u)) return (seed, hashes);
        }
        throw new InvalidOperationException($"Could not find distinct hashes for {classes} class indices.");
    }

    /// <summary>
    /// Adds the node ML.NET's ApplyOnnxModel reads slot names from (<c>mlnet.{column}.SlotNames</c>, attribute
    /// <c>keys_strings</c>): an ai.onnx.ml LabelEncoder over a constant, so ONNX Runtime accepts it and prunes it.
    /// The Score column then carries the class names as slot names, as the scores of ML.NET's own trainers do.
    /// </summary>
    public static byte[] ForMlNet(byte[] onnx, IReadOnlyList<string> slotNames)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var graph = model.Graph;
        var names = new TensorProto { Name = Prefix + "class_names", DataType = (int)TensorProto.Types.DataType.String };
        names.Dims.Add(slotNames.Count);
        var keys = new AttributeProto { Name = "keys_strings", Type = AttributeProto.Types.AttributeType.Strings };
        foreach (var s in slotNames)
        {
            names.StringData.Add(ByteString.CopyFromUtf8(s));
            keys.Strings.Add(ByteString.CopyFromUtf8(s));
        }
        graph.Initializer.Add(names);
        var values = new AttributeProto { Name = "values_int64s", Type = AttributeProto.Types.AttributeType.Ints };
        values.Ints.AddRange(Enumerable.Range(0, slotNames.Count).Select(i => (long)i));
        var node = new NodeProto { OpType = "LabelEncoder", Domain = "ai.onnx.ml", Name = $"mlnet.{ScoreColumnName}.SlotNames" };
        node.Input.Add(names.Name);
        node.Output.Add(Prefix + "class_ids_unused");
        node.Attribute.Add(keys);
        node.Attribute.Add(values);
        graph.Node.Add(node);
        if (!model.OpsetImport.Any(o => o.Domain == "ai.onnx.ml")) model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 2 });
        return model.ToByteArray();
    }

    /// <summary>
    /// A stand-in with the classifier's input and output names, types and shapes (pool, flatten, matmul, softmax, argmax),
    /// used only to let ML.NET compute the output schema before training.
    /// </summary>
    public static byte[] ShapeOnly(int channels, int size, int classes)
    {
        ValueInfoProto Info(string name, TensorProto.Types.DataType type, params object[] dims)
        {
            var shape = new TensorShapeProto();
            foreach (var d in dims)
                shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = (int)d });
            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
        }
        NodeProto Node(string op, string output, params string[] inputs)
        {
            var n = new NodeProto { OpType = op, Name = output };
            n.Input.AddRange(inputs);
            n.Output.Add(output);
            return n;
        }
        var graph = new GraphProto { Name = "geossl_classifier_shape_only" };
        graph.Input.Add(Info(PixelsColumn, TensorProto.Types.DataType.Float, "N", channels, size, size));
        graph.Output.Add(Info(ScoreColumnName, TensorProto.Types.DataType.Float, "N", classes));
        graph.Output.Add(Info(IndexColumn, TensorProto.Types.DataType.Int64, "N", 1));
        var w = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float };
        w.Dims.AddRange(new long[] { channels, classes });
        w.FloatData.AddRange(new float[channels * classes]);
        graph.Initializer.Add(w);
        graph.Node.Add(Node("GlobalAveragePool", "pooled", PixelsColumn));
        graph.Node.Add(Node("Flatten", "flat", "pooled"));
        graph.Node.Add(Node("MatMul", "logits", "flat", "w"));
        graph.Node.Add(Node("Softmax", ScoreColumnName, "logits"));
        var argmax = Node("ArgMax", IndexColumn, ScoreColumnName);
        argmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(argmax);
        var model = new ModelProto { IrVersion = 8, ProducerName = "GeoSSL.MLNet", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }
}
