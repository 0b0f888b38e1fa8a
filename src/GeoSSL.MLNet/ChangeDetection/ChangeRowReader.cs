using GeoSSL.Data.Dense;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>The columns a change detector reads, with their kinds checked against a schema.</summary>
internal sealed record ChangeColumns(string Image1, ImageColumnKind Kind1, string Image2, ImageColumnKind Kind2, string? ImageFolder, int ImageSize)
{
    public static ChangeColumns From(DataViewSchema schema, GeoChangeDetectionEstimator.Options options, string where = "") => new(
        options.Image1ColumnName, InputColumns.ImageKind(schema, options.Image1ColumnName, nameof(options.Image1ColumnName) + where),
        options.Image2ColumnName, InputColumns.ImageKind(schema, options.Image2ColumnName, nameof(options.Image2ColumnName) + where),
        options.ImageFolder, options.ImageSize);
}

/// <summary>
/// Turns rows (two dates and a mask) into <see cref="DenseScene"/>s, one per row, named "row N". Each row must be a
/// co-registered tile of ImageSize x ImageSize: a date of another size, or dates of different sizes, is a named error.
/// </summary>
internal static class ChangeRowReader
{
    public const string Date1Prefix = "GeoChangeDetection.Date1.";
    public const string Date2Prefix = "GeoChangeDetection.Date2.";

    public static IReadOnlyList<DenseScene> Read(TransformsCatalog t, IDataView data, ChangeColumns columns, string maskColumn, string maskOption,
        string what, CancellationToken cancellationToken)
    {
        int s = columns.ImageSize;
        var mask = new ChangeMaskColumn(data.Schema, maskColumn, maskOption, columns.ImageFolder, s, what);
        using var date1 = new DatePixels(t, data, columns.Image1, columns.Kind1, columns.ImageFolder, s, Date1Prefix, what, [mask.Of(data.Schema)]);
        using var date2 = new DatePixels(t, data, columns.Image2, columns.Kind2, columns.ImageFolder, s, Date2Prefix, what, []);
        var readMask = mask.Reader(date1.Cursor);
        var scenes = new List<DenseScene>();
        for (long row = 0; date1.Cursor.MoveNext(); row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!date2.Cursor.MoveNext()) throw new InvalidOperationException($"The {what} data gave fewer rows for '{columns.Image2}' than for '{columns.Image1}'.");
            var first = date1.Read(row);
            var second = date2.Read(row);
            if ((first.Width, first.Height) != (second.Width, second.Height))
                throw new GeoDataException($"Row {row} of the {what} data: the date-2 image {Describe(columns.Image2, second.File)} is {second.Width}x{second.Height} px " +
                    $"but the date-1 image {Describe(columns.Image1, first.File)} is {first.Width}x{first.Height}; both dates of a row must be co-registered tiles of one size.",
                    row, columns.Image2, second.File);
            if (first.Width != s || first.Height != s)
                throw new GeoDataException($"Row {row} of the {what} data: the images {Describe(columns.Image1, first.File)} and {Describe(columns.Image2, second.File)} are " +
                    $"{first.Width}x{first.Height} px but ImageSize is {s}. Cut {s}x{s} tiles beforehand: images are not resized, which would move them against the mask.",
                    row, columns.Image1, first.File);
            var (maskBytes, source) = readMask(row);
            scenes.Add(DenseScene.FromRgbSamples($"row {row}", [first.Pixels, second.Pixels], s, s, maskBytes, source));
        }
        if (date2.Cursor.MoveNext()) throw new InvalidOperationException($"The {what} data gave more rows for '{columns.Image2}' than for '{columns.Image1}'.");
        return scenes;
    }

    private static string Describe(string column, string? file) => file is null ? $"(column '{column}')" : $"'{file}' (column '{column}')";
}
