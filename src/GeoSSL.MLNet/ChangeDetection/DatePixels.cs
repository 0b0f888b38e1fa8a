using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Featurizer;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>
/// One date's pixels, row by row, as the returned model will see them: image and path columns through the same stock
/// transforms (<see cref="ImagePixelsChain"/>, planar RGB floats 0..255), tensor columns as they are. Also the image's
/// own size before those transforms, since a tile of the wrong size must be refused rather than cropped or stretched.
/// </summary>
internal sealed class DatePixels : IDisposable
{
    private readonly ImageRowPixels<float>? images;
    private readonly DataViewRowCursor? tensorCursor;
    private readonly ValueGetter<VBuffer<float>>? tensor;
    private readonly ValueGetter<MLImage>? image;
    private readonly ImageColumnKind kind;
    private readonly string column;
    private readonly int size;
    private readonly string what;
    private VBuffer<float> values;

    public DatePixels(TransformsCatalog t, IDataView data, string column, ImageColumnKind kind, string? folder, int size, string prefix, string what,
        IEnumerable<DataViewSchema.Column> alsoNeeded)
    {
        this.kind = kind; this.column = column; this.size = size; this.what = what;
        if (kind == ImageColumnKind.Tensor)
        {
            tensorCursor = data.GetRowCursor(alsoNeeded.Append(data.Schema[column]).DistinctBy(c => c.Index));
            tensor = tensorCursor.GetGetter<VBuffer<float>>(data.Schema[column]);
            return;
        }
        var chain = ImagePixelsChain.Create(t, column, kind, folder, size, size, prefix, asFloats: true, out _).Fit(data);
        images = new ImageRowPixels<float>(chain, data, prefix + "Pixels", column, kind, folder, what, alsoNeeded);
        if (kind == ImageColumnKind.Image) image = images.Cursor.GetGetter<MLImage>(data.Schema[column]);
    }

    /// <summary>The cursor to move; it also serves the columns passed as alsoNeeded.</summary>
    public DataViewRowCursor Cursor => images?.Cursor ?? tensorCursor!;

    /// <summary>The current row's planar RGB samples [3, S, S], the image's own width and height, and its file (path columns).</summary>
    public (float[] Pixels, int Width, int Height, string? File) Read(long row)
    {
        if (tensor is not null)
        {
            tensor(ref values);
            if (values.Length != 3 * size * size)
                throw new GeoDataException($"Row {row} of the {what} data: column '{column}' holds {values.Length} samples; a {size}x{size} RGB tile needs {3 * size * size} ([3, {size}, {size}]).",
                    row, column);
            return (values.DenseValues().ToArray(), size, size, null);
        }
        string? file = images!.Get(row, ref values);
        var pixels = values.DenseValues().ToArray();
        if (kind == ImageColumnKind.Path)
        {
            var (w, h) = ImageDecoder.ReadSize(file!, row);
            return (pixels, w, h, file);
        }
        MLImage picture = null!;
        image!(ref picture);
        return (pixels, picture.Width, picture.Height, null);
    }

    public void Dispose()
    {
        images?.Dispose();
        tensorCursor?.Dispose();
    }
}
