using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Classification;

/// <summary>
/// The classes of a key-typed label column: how many keys, and the key values (usually the class names from
/// <c>MapValueToKey</c>) in key order, kept in their own type so <c>PredictedLabel</c> can carry exactly the same values.
/// </summary>
internal sealed class ClassLabels
{
    private const string KeyValuesKind = "KeyValues";

    private ClassLabels(Type valueType, Array values, string[] names)
    {
        ValueType = valueType;
        Values = values;
        Names = names;
    }

    public int Count => Names.Length;

    /// <summary>CLR type of <see cref="Values"/>: string for text key values, else the key values' primitive type.</summary>
    public Type ValueType { get; }

    /// <summary>Key values in key order (class i = key i + 1).</summary>
    public Array Values { get; }

    /// <summary>Key values as text (invariant culture), for slot names and reports.</summary>
    public string[] Names { get; }

    /// <summary>Reads the label column, which must be a key type; throws an ArgumentException naming the column otherwise.</summary>
    public static ClassLabels FromColumn(DataViewSchema schema, string columnName, string option)
    {
        var column = Require(schema, columnName, option);
        if (column.Type is not KeyDataViewType key)
            throw new ArgumentException(
                $"Column '{columnName}' ({option}) has type {column.Type}; the label of a multiclass trainer must be a key type. " +
                $"Map it first, e.g. mlContext.Transforms.Conversion.MapValueToKey(\"{columnName}\").Append(...).", option);
        if (key.Count < 2 || key.Count > 100_000)
            throw new ArgumentException($"Column '{columnName}' ({option}) is a key with {key.Count} value(s); a classifier needs 2 to 100000 classes.", option);
        int count = (int)key.Count;
        var keyValues = column.Annotations.Schema.GetColumnOrNull(KeyValuesKind);
        if (keyValues?.Type is VectorDataViewType { ItemType: var item } && item is TextDataViewType or NumberDataViewType or BooleanDataViewType)
        {
            var read = typeof(ClassLabels).GetMethod(nameof(ReadKeyValues), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(item.RawType);
            var values = (Array)read.Invoke(null, new object[] { column, count })!;
            if (item is TextDataViewType)
            {
                var text = ((ReadOnlyMemory<char>[])values).Select(v => v.ToString()).ToArray();
                return new ClassLabels(typeof(string), text, text);
            }
            var names = values.Cast<object>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray();
            return new ClassLabels(item.RawType, values, names);
        }
        // A key without (usable) key values: name the classes by their 0-based index.
        var indices = Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new ClassLabels(typeof(string), indices, indices);
    }

    /// <summary>
    /// Two placeholder classes of the label's key-value type, for computing output schemas before training
    /// (the schema shape of a key column carries its value type but not its count).
    /// </summary>
    public static ClassLabels Placeholder(SchemaShape.Column label)
    {
        DataViewType? item = null;
        var kv = label.Annotations.FirstOrDefault(c => c.Name == KeyValuesKind);
        if (kv.Name is not null) item = kv.ItemType;
        if (item is NumberDataViewType or BooleanDataViewType)
        {
            var type = item.RawType;
            var values = Array.CreateInstance(type, 2);
            values.SetValue(type == typeof(bool) ? false : Convert.ChangeType(0, type, CultureInfo.InvariantCulture), 0);
            values.SetValue(type == typeof(bool) ? true : Convert.ChangeType(1, type, CultureInfo.InvariantCulture), 1);
            return new ClassLabels(type, values, new[] { "0", "1" });
        }
        return new ClassLabels(typeof(string), new[] { "0", "1" }, new[] { "0", "1" });
    }

    /// <summary>True when both have the same number of classes and the same key values in the same order.</summary>
    public bool SameAs(ClassLabels other) =>
        other.ValueType == ValueType && other.Names.SequenceEqual(Names, StringComparer.Ordinal);

    private static T[] ReadKeyValues<T>(DataViewSchema.Column column, int count)
    {
        VBuffer<T> buffer = default;
        column.Annotations.GetValue(KeyValuesKind, ref buffer);
        var values = buffer.DenseValues().ToArray();
        if (values.Length != count)
            throw new ArgumentException($"Column '{column.Name}' is a key with {count} values but its key-value annotation lists {values.Length}.");
        return values;
    }

    internal static DataViewSchema.Column Require(DataViewSchema schema, string columnName, string option)
    {
        if (string.IsNullOrWhiteSpace(columnName)) throw new ArgumentException($"{option} is empty.", option);
        return schema.GetColumnOrNull(columnName) ?? throw new ArgumentException(
            $"Column '{columnName}' ({option}) is not in the input. Its columns are: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.", option);
    }
}
