using GeoSSL.Data.Dense;
using GeoSSL.Data.Records;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>
/// Reads the change mask of each row: a path to a mask image (decoded by the library's mask reader: any non-zero value in
/// any channel = change; never resized) or a byte/float vector of H*W values (non-zero = change). Messages name the row,
/// the column and the file.
/// </summary>
internal sealed class ChangeMaskColumn
{
    private readonly string column;
    private readonly string? folder;
    private readonly int size;
    private readonly string what;
    private readonly DataViewType type;

    public ChangeMaskColumn(DataViewSchema schema, string column, string option, string? folder, int size, string what)
    {
        type = InputColumns.Require(schema, column, option).Type;
        bool vector = type is VectorDataViewType { ItemType: var item } v && (item == NumberDataViewType.Byte || item == NumberDataViewType.Single);
        if (type is not TextDataViewType && !vector)
            throw new ArgumentException($"Column '{column}' ({option}) has type {type}; expected a mask image path (text) or a byte/float vector of {size}x{size} values.", option);
        if (type is VectorDataViewType { IsKnownSize: true } known && known.Size != size * size)
            throw new ArgumentException($"Column '{column}' ({option}) holds {known.Size} values per row; a {size}x{size} mask needs {size * size}.", option);
        this.column = column; this.folder = folder; this.size = size; this.what = what;
    }

    public DataViewSchema.Column Of(DataViewSchema schema) => schema[column];

    /// <summary>A reader of the current row's mask (0/1 bytes, row-major) and where it came from, for the cursor's rows.</summary>
    public Func<long, (byte[] Mask, string Source)> Reader(DataViewRow cursor)
    {
        var col = cursor.Schema[column];
        if (type is TextDataViewType)
        {
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(col);
            ReadOnlyMemory<char> text = default;
            return row =>
            {
                getter(ref text);
                string cell = text.ToString();
                if (string.IsNullOrWhiteSpace(cell))
                    throw new GeoDataException($"Row {row} of the {what} data: column '{column}' is empty; expected a mask image path.", row, column);
                string file = Path.GetFullPath(string.IsNullOrWhiteSpace(folder) || Path.IsPathRooted(cell) ? cell : Path.Combine(folder, cell));
                try { return (MaskReader.ReadBinary(file, $"row {row}", size, size), file); }
                catch (GeoDataException e)
                {
                    throw new GeoDataException($"Row {row} of the {what} data, column '{column}': {e.Message}", row, column, file, e);
                }
            };
        }
        string source(long row) => $"row {row}, column '{column}'";
        if (((VectorDataViewType)type).ItemType == NumberDataViewType.Byte)
        {
            var getter = cursor.GetGetter<VBuffer<byte>>(col);
            VBuffer<byte> cell = default;
            return row =>
            {
                getter(ref cell);
                return (Binary(cell.DenseValues().Select(b => b != 0), cell.Length, row), source(row));
            };
        }
        var floats = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> values = default;
        return row =>
        {
            floats(ref values);
            return (Binary(values.DenseValues().Select(v => v != 0 && !float.IsNaN(v)), values.Length, row), source(row));
        };
    }

    private byte[] Binary(IEnumerable<bool> change, int length, long row)
    {
        if (length != size * size)
            throw new GeoDataException($"Row {row} of the {what} data: column '{column}' holds {length} mask values; a {size}x{size} tile needs {size * size}.", row, column);
        return change.Select(c => (byte)(c ? 1 : 0)).ToArray();
    }
}
