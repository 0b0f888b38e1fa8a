using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Evaluation;

/// <summary>Image-level and area-level results side by side (paper, Table 2).</summary>
public sealed record AreaLevelResult(ClassificationReport ImageLevel, ClassificationReport AreaLevel, int Areas);

/// <summary>
/// Temporal (area-level) classification: the class probabilities of all images of one location are averaged and the
/// area is assigned the class with the highest mean; accuracy and F1 are then counted once per area.
/// </summary>
public static class AreaLevelEvaluator
{
    /// <summary>From scored rows (e.g. the output of a classifier): a key label, a probability vector and a location id.</summary>
    public static AreaLevelResult Evaluate(IDataView scored, string locationColumnName, string labelColumnName = "Label", string scoreColumnName = "Score")
    {
        var schema = scored.Schema;
        var label = schema.GetColumnOrNull(labelColumnName) ?? throw new ArgumentException($"Column '{labelColumnName}' (label) is not in the data.", nameof(labelColumnName));
        var score = schema.GetColumnOrNull(scoreColumnName) ?? throw new ArgumentException($"Column '{scoreColumnName}' (score) is not in the data.", nameof(scoreColumnName));
        var location = schema.GetColumnOrNull(locationColumnName) ?? throw new ArgumentException($"Column '{locationColumnName}' (location) is not in the data.", nameof(locationColumnName));
        if (label.Type is not KeyDataViewType keyType || label.Type.RawType != typeof(uint))
            throw new ArgumentException($"Column '{labelColumnName}' must be a key (use MapValueToKey); it is {label.Type}.", nameof(labelColumnName));
        if (score.Type is not VectorDataViewType { ItemType: NumberDataViewType n } v || n != NumberDataViewType.Single || v.Size != (int)keyType.Count)
            throw new ArgumentException($"Column '{scoreColumnName}' must be a vector of {keyType.Count} floats (one probability per class); it is {score.Type}.", nameof(scoreColumnName));
        var names = ClassNames(label, (int)keyType.Count);
        var rows = new List<(string Location, int Label, float[] Probabilities)>();
        using var cursor = scored.GetRowCursor(new[] { label, score, location });
        var getLabel = cursor.GetGetter<uint>(label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        var getLocation = TextGetter(cursor, location);
        uint key = 0;
        VBuffer<float> probabilities = default;
        long row = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0) throw new InvalidDataException($"Row {row}: column '{labelColumnName}' has a missing label.");
            getScore(ref probabilities);
            rows.Add((getLocation(), (int)key - 1, probabilities.DenseValues().ToArray()));
            row++;
        }
        return Evaluate(rows, names);
    }

    /// <summary>The same from plain arrays: one (location, true class, class probabilities) per image.</summary>
    public static AreaLevelResult Evaluate(IReadOnlyList<(string Location, int Label, float[] Probabilities)> images, IReadOnlyList<string> classNames)
    {
        if (images.Count == 0) throw new ArgumentException("No scored images.", nameof(images));
        var imageTruth = images.Select(i => i.Label).ToList();
        var imagePredicted = images.Select(i => ArgMax(i.Probabilities)).ToList();
        var areaTruth = new List<int>();
        var areaPredicted = new List<int>();
        foreach (var area in images.GroupBy(i => i.Location, StringComparer.Ordinal))
        {
            var labels = area.Select(i => i.Label).Distinct().ToList();
            if (labels.Count > 1)
                throw new InvalidDataException($"Location '{area.Key}' has images with different labels ({string.Join(", ", labels.Select(l => classNames[l]))}); an area needs one label.");
            var mean = new double[classNames.Count];
            foreach (var image in area)
                for (int c = 0; c < mean.Length; c++) mean[c] += image.Probabilities[c];
            areaTruth.Add(labels[0]);
            areaPredicted.Add(ArgMax(mean));
        }
        return new AreaLevelResult(ClassificationReport.FromPredictions(imageTruth, imagePredicted, classNames),
            ClassificationReport.FromPredictions(areaTruth, areaPredicted, classNames), areaTruth.Count);
    }

    private static int ArgMax(IReadOnlyList<float> values) => ArgMax(values.Select(v => (double)v).ToArray());

    private static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    internal static IReadOnlyList<string> ClassNames(DataViewSchema.Column keyColumn, int count)
    {
        if (keyColumn.Annotations.Schema.GetColumnOrNull("KeyValues") is null)
            return Enumerable.Range(1, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        VBuffer<ReadOnlyMemory<char>> names = default;
        keyColumn.GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToList();
    }

    private static Func<string> TextGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type is TextDataViewType)
        {
            var g = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            return () => { ReadOnlyMemory<char> v = default; g(ref v); return v.ToString(); };
        }
        if (column.Type == NumberDataViewType.Int32)
        {
            var g = cursor.GetGetter<int>(column);
            return () => { int v = 0; g(ref v); return v.ToString(System.Globalization.CultureInfo.InvariantCulture); };
        }
        if (column.Type == NumberDataViewType.Int64)
        {
            var g = cursor.GetGetter<long>(column);
            return () => { long v = 0; g(ref v); return v.ToString(System.Globalization.CultureInfo.InvariantCulture); };
        }
        throw new ArgumentException($"Location column '{column.Name}' has type {column.Type}; expected text or an integer id.");
    }
}
