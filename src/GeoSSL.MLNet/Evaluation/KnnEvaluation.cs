using GeoSSL.Core.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Evaluation;

/// <summary>
/// kNN evaluation of frozen features (cosine similarity, k neighbours voting with weight exp(cos / T), as in
/// InstDisc/MoCo): the test rows are classified by their nearest training rows. No training, so it reflects the
/// geometry of the embedding directly; a linear probe can still separate what kNN cannot.
/// </summary>
public static class KnnEvaluation
{
    /// <summary>Cosine kNN classification of <paramref name="test"/> by the rows of <paramref name="train"/> (votes weighted exp(cos / temperature)), as in the self-supervised literature.</summary>
    public static ClassificationReport Run(IDataView train, IDataView test, string labelColumnName = "Label", string featureColumnName = "Features",
        int k = 20, double temperature = 0.07)
    {
        var (bank, bankNames) = FeatureTable.Read(train, labelColumnName, featureColumnName, nameof(train));
        var (queries, queryNames) = FeatureTable.Read(test, labelColumnName, featureColumnName, nameof(test));
        var classes = bankNames.Concat(queryNames).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        var index = classes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var predicted = KnnClassifier.Predict(bank, bankNames.Select(n => index[n]).ToArray(), queries, classes.Count, k, temperature);
        return ClassificationReport.FromPredictions(queryNames.Select(n => index[n]).ToList(), predicted, classes);
    }
}

/// <summary>Feature vectors and labels (as text) read out of an IDataView.</summary>
internal static class FeatureTable
{
    public static (float[][] Features, string[] Labels) Read(IDataView data, string labelColumnName, string featureColumnName, string what)
    {
        var label = data.Schema.GetColumnOrNull(labelColumnName) ?? throw new ArgumentException($"Column '{labelColumnName}' (label) is not in the {what} data.", what);
        var feature = data.Schema.GetColumnOrNull(featureColumnName) ?? throw new ArgumentException($"Column '{featureColumnName}' (features) is not in the {what} data.", what);
        if (feature.Type is not VectorDataViewType { ItemType: NumberDataViewType n } || n != NumberDataViewType.Single)
            throw new ArgumentException($"Column '{featureColumnName}' must be a float vector; it is {feature.Type}.", what);
        var features = new List<float[]>();
        var labels = new List<string>();
        using var cursor = data.GetRowCursor(new[] { label, feature });
        var getFeatures = cursor.GetGetter<VBuffer<float>>(feature);
        Func<string> getLabel;
        if (label.Type is KeyDataViewType kt && label.Type.RawType == typeof(uint))
        {
            var names = AreaLevelEvaluator.ClassNames(label, (int)kt.Count);
            var g = cursor.GetGetter<uint>(label);
            getLabel = () => { uint v = 0; g(ref v); return v == 0 ? "" : names[(int)v - 1]; };
        }
        else if (label.Type is TextDataViewType)
        {
            var g = cursor.GetGetter<ReadOnlyMemory<char>>(label);
            getLabel = () => { ReadOnlyMemory<char> v = default; g(ref v); return v.ToString(); };
        }
        else throw new ArgumentException($"Column '{labelColumnName}' must be text or a key; it is {label.Type}.", what);
        VBuffer<float> vector = default;
        while (cursor.MoveNext())
        {
            getFeatures(ref vector);
            features.Add(vector.DenseValues().ToArray());
            labels.Add(getLabel());
        }
        if (features.Count == 0) throw new ArgumentException($"The {what} data has no rows.", what);
        return (features.ToArray(), labels.ToArray());
    }
}
