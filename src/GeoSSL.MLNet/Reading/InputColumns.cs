using GeoSSL.Data.Records;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace GeoSSL.MLNet.Reading;

/// <summary>How the image column holds images.</summary>
internal enum ImageColumnKind
{
    /// <summary>Text: a path to a PNG/JPEG/... file.</summary>
    Path,
    /// <summary>An MLImage from LoadImages.</summary>
    Image,
    /// <summary>A float vector of planar raw samples [C, H, W] (multispectral rasters, scene windows): the route for anything that is not 8-bit RGB.</summary>
    Tensor,
}

/// <summary>Checks that the named columns exist with usable types, with messages that name the column and the option.</summary>
internal static class InputColumns
{
    public static ImageColumnKind ImageKind(DataViewSchema schema, string column, string option)
    {
        var type = Require(schema, column, option).Type;
        if (type is TextDataViewType) return ImageColumnKind.Path;
        if (type is ImageDataViewType) return ImageColumnKind.Image;
        if (type is VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } && n == NumberDataViewType.Single) return ImageColumnKind.Tensor;
        throw new ArgumentException($"Column '{column}' ({option}) has type {type}; expected a text path or an image from LoadImages, " +
            "or a fixed-size float vector of planar samples [C, H, W].", option);
    }

    /// <summary>Kind of an image column from a schema shape (GetOutputSchema), where vector sizes are not known.</summary>
    public static ImageColumnKind ImageKind(SchemaShape.Column column) => column.ItemType switch
    {
        TextDataViewType => ImageColumnKind.Path,
        ImageDataViewType => ImageColumnKind.Image,
        _ when column.Kind == SchemaShape.Column.VectorKind.Vector && column.ItemType == NumberDataViewType.Single => ImageColumnKind.Tensor,
        _ => throw new ArgumentException($"Column '{column.Name}' has type {column.ItemType}; expected a text path or an image (from LoadImages), or a float vector [C, H, W]."),
    };

    /// <summary>
    /// Channels, height and width of a tensor image column: its vector dimensions when they are [C, H, W], otherwise a flat
    /// vector of <paramref name="channels"/> square planes. The message names the column and what was expected.
    /// </summary>
    public static (int Channels, int Height, int Width) TensorShape(DataViewSchema schema, string column, string option, int? channels)
    {
        var type = (VectorDataViewType)Require(schema, column, option).Type;
        if (type.Dimensions.Length == 3) return (type.Dimensions[0], type.Dimensions[1], type.Dimensions[2]);
        if (channels is not { } c)
            throw new ArgumentException($"Column '{column}' ({option}) is a flat vector of {type.Size} floats: give its dimensions [C, H, W] " +
                "(VectorDataViewType(Single, C, H, W)) or the band names (Bands), so the channel count is known.", option);
        int side = (int)Math.Round(Math.Sqrt(type.Size / (double)c));
        if (c * side * side != type.Size)
            throw new ArgumentException($"Column '{column}' ({option}) holds {type.Size} floats, which is not {c} square planes; give its dimensions [C, H, W].", option);
        return (c, side, side);
    }

    public static void RequireNumber(DataViewSchema schema, string column, string option)
    {
        var type = Require(schema, column, option).Type;
        if (type != NumberDataViewType.Single && type != NumberDataViewType.Double)
            throw new ArgumentException($"Column '{column}' ({option}) has type {type}; expected Single or Double degrees.", option);
    }

    public static void RequireKey(DataViewSchema schema, string column, string option)
    {
        var type = Require(schema, column, option).Type;
        if (type is not (TextDataViewType or NumberDataViewType or KeyDataViewType))
            throw new ArgumentException($"Column '{column}' ({option}) has type {type}; expected text or an integer id.", option);
    }

    public static void RequireTime(DataViewSchema schema, string column, string option)
    {
        var type = Require(schema, column, option).Type;
        if (type is not (TextDataViewType or DateTimeDataViewType or DateTimeOffsetDataViewType))
            throw new ArgumentException($"Column '{column}' ({option}) has type {type}; expected DateTime, DateTimeOffset or ISO-8601 text.", option);
    }

    public static DataViewSchema.Column Require(DataViewSchema schema, string column, string option)
    {
        if (string.IsNullOrWhiteSpace(column)) throw new ArgumentException($"{option} is empty.", option);
        var col = schema.GetColumnOrNull(column);
        if (col is null)
            throw new ArgumentException($"Column '{column}' ({option}) is not in the input. Its columns are: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.", option);
        return col.Value;
    }
}
