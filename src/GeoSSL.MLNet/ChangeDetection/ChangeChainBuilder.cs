using GeoSSL.MLNet.Featurizer;
using Google.Protobuf;
using Microsoft.ML;
using Onnx;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>
/// Builds the trained change detector as stock ML.NET transforms: per date (LoadImages) → ResizeImages → ExtractPixels
/// (<see cref="ImagePixelsChain"/>, planar RGB floats 0..255; a no-op resize on tiles of the right size) or CopyColumns of a
/// tensor column; ApplyOnnxModel on the detector exported with its two inputs named after the two pixel columns and only
/// the change probability as output, exported for one row at a time ([1, 3, H, W] in, [H, W] out: ML.NET types the
/// column by the declared output shape, and would keep a batch axis as [1, H, W]); DropColumns of
/// the temporaries. All of it is ML.NET's own, so <c>Model.Save</c> embeds the ONNX bytes and <c>Model.Load</c> needs
/// nothing from this package.
/// </summary>
internal static class ChangeChainBuilder
{
    public static string Pixels1 => ChangeRowReader.Date1Prefix + "Pixels";
    public static string Pixels2 => ChangeRowReader.Date2Prefix + "Pixels";

    /// <param name="onnx">Inputs <see cref="Pixels1"/>, <see cref="Pixels2"/> [1,3,S,S]; output <paramref name="outputColumn"/> [S,S].</param>
    public static IEstimator<ITransformer> Create(TransformsCatalog t, ChangeColumns columns, string outputColumn, byte[] onnx)
    {
        int s = columns.ImageSize;
        var date1 = ImagePixelsChain.Create(t, columns.Image1, columns.Kind1, columns.ImageFolder, s, s, ChangeRowReader.Date1Prefix, asFloats: true, out var temporaries);
        var date2 = ImagePixelsChain.Create(t, columns.Image2, columns.Kind2, columns.ImageFolder, s, s, ChangeRowReader.Date2Prefix, asFloats: true, out var more);
        temporaries.AddRange(more);
        return date1.Append(date2)
            .Append(t.ApplyOnnxModel(new[] { outputColumn }, new[] { Pixels1, Pixels2 }, new MemoryStream(onnx)))
            .Append(t.DropColumns(temporaries.ToArray()));
    }

    /// <summary>
    /// A stand-in with the detector's input and output names, types and shapes (mean over channels of |x1 - x2|), used only
    /// to let ML.NET compute the output schema before training.
    /// </summary>
    public static byte[] ShapeOnly(int size, string outputColumn)
    {
        static ValueInfoProto Info(string name, params object[] dims)
        {
            var shape = new TensorShapeProto();
            foreach (var d in dims)
                shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = (int)d });
            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
        }
        var graph = new GraphProto { Name = "geossl_change_shape_only" };
        graph.Input.Add(Info(Pixels1, 1, 3, size, size));
        graph.Input.Add(Info(Pixels2, 1, 3, size, size));
        graph.Output.Add(Info(outputColumn, size, size));
        var sub = new NodeProto { OpType = "Sub", Name = "difference" };
        sub.Input.AddRange([Pixels1, Pixels2]);
        sub.Output.Add("difference");
        var abs = new NodeProto { OpType = "Abs", Name = "magnitude", Input = { "difference" }, Output = { "magnitude" } };
        var mean = new NodeProto { OpType = "ReduceMean", Name = outputColumn, Input = { "magnitude" }, Output = { outputColumn } };
        mean.Attribute.Add(new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 0L, 1L } });
        mean.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        graph.Node.AddRange([sub, abs, mean]);
        var model = new ModelProto { IrVersion = 8, ProducerName = "GeoSSL.MLNet", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }
}
