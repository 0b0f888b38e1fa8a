using GeoSSL.Data.Records;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Reading;

/// <summary>
/// Pixels of an image column, row by row, from a fitted chain of stock transforms (LoadImages → ResizeImages →
/// ExtractPixels) run as a row mapper on the calling thread. A transformed view may decode ahead on ML.NET's worker
/// threads, whose failures reach the caller as "Splitter/consolidator worker encountered exception" with neither the row
/// nor the file; here a missing, empty or unreadable image raises a <see cref="GeoDataException"/> naming the row, the
/// column and the file. Shared by the classifier's reader and the batched featurizer so both say it the same way.
/// </summary>
internal sealed class ImageRowPixels<T> : IDisposable
{
    private readonly DataViewRow mapped;
    private readonly ValueGetter<VBuffer<T>> pixels;
    private readonly ValueGetter<ReadOnlyMemory<char>>? path;
    private readonly string imageColumn;
    private readonly string? imageFolder;
    private readonly string rowPrefix;
    private ReadOnlyMemory<char> text;

    /// <param name="preprocess">Fitted chain that makes <paramref name="pixelsColumn"/> out of <paramref name="imageColumn"/>.</param>
    /// <param name="alsoNeeded">Input columns the caller reads from <see cref="Cursor"/> as well.</param>
    /// <param name="what">Names the data in messages ("Row 3 of the validation data"); null for just "Row 3".</param>
    public ImageRowPixels(ITransformer preprocess, IDataView data, string pixelsColumn, string imageColumn, ImageColumnKind kind, string? imageFolder,
        string? what, IEnumerable<DataViewSchema.Column>? alsoNeeded = null)
    {
        var mapper = preprocess.GetRowToRowMapper(data.Schema);
        var output = mapper.OutputSchema[pixelsColumn];
        var image = data.Schema[imageColumn];
        var needed = mapper.GetDependencies(new[] { output }).Append(image).Concat(alsoNeeded ?? []).DistinctBy(c => c.Index).ToList();
        Cursor = data.GetRowCursor(needed);
        mapped = mapper.GetRow(Cursor, new[] { output });
        pixels = mapped.GetGetter<VBuffer<T>>(output);
        path = kind == ImageColumnKind.Path ? Cursor.GetGetter<ReadOnlyMemory<char>>(image) : null;
        this.imageColumn = imageColumn;
        this.imageFolder = imageFolder;
        rowPrefix = what is null ? "Row {0}" : $"Row {{0}} of the {what} data";
    }

    /// <summary>The input cursor; move it, then call <see cref="Get"/> for the current row.</summary>
    public DataViewRowCursor Cursor { get; }

    /// <summary>The current row's pixels; <paramref name="row"/> (0-based) is only used in messages.</summary>
    /// <returns>The image file, for path columns.</returns>
    public string? Get(long row, ref VBuffer<T> values)
    {
        string at = string.Format(System.Globalization.CultureInfo.InvariantCulture, rowPrefix, row);
        string? file = null;
        if (path is not null)
        {
            path(ref text);
            string cell = text.ToString();
            if (string.IsNullOrWhiteSpace(cell))
                throw new GeoDataException($"{at}: column '{imageColumn}' is empty; expected an image path.", row, imageColumn);
            file = string.IsNullOrWhiteSpace(imageFolder) || Path.IsPathRooted(cell) ? cell : Path.Combine(imageFolder, cell);
            if (!File.Exists(file))
                throw new GeoDataException($"{at}: image file '{file}' (column '{imageColumn}') does not exist.", row, imageColumn, file);
        }
        try
        {
            pixels(ref values);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            string source = file is null ? $"the image in column '{imageColumn}'" : $"image file '{file}' (column '{imageColumn}')";
            throw new GeoDataException($"{at}: {source} could not be read: {Innermost(e).Message}", row, imageColumn, file, e);
        }
        return file;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    public void Dispose()
    {
        mapped.Dispose();
        Cursor.Dispose();
    }
}
