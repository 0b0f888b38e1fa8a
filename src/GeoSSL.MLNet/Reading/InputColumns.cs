using GeoSSL.Data.Records;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace GeoSSL.MLNet.Reading;

/// <summary>How the image column holds images.</summary>
public enum ImageColumnKind { Path, Image }

/// <summary>Checks that the named columns exist with usable types, with messages that name the column and the option.</summary>
internal static class InputColumns
{
    public static ImageColumnKind ImageKind(DataViewSchema schema, string column, string option)
    {
        var type = Require(schema, column, option).Type;
        if (type is TextDataViewType) return ImageColumnKind.Path;
        if (type is ImageDataViewType) return ImageColumnKind.Image;
        throw new ArgumentException($"Column '{column}' ({option}) has type {type}; expected a text path or an image from LoadImages.", option);
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
