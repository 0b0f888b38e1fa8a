using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace GeoSSL.MLNet.Evaluation;

/// <summary>What a linear probe learned and scored.</summary>
public sealed record LinearProbeResult(ClassificationReport Report, MulticlassClassificationMetrics Metrics, ITransformer Model, TimeSpan Elapsed);

/// <summary>
/// The paper's linear evaluation in ML.NET terms: frozen features, standardised (NormalizeMeanVariance), then an
/// L2-regularised multinomial logistic regression (<c>LbfgsMaximumEntropy</c>), scored with
/// <c>MulticlassClassification.Evaluate</c> plus macro-F1 and a per-class table.
/// </summary>
public static class LinearProbe
{
    /// <param name="train">Rows with the label (text, number or key) and the feature vector, e.g. <c>featurizer.Transform(images)</c>.
    /// Only those two columns are kept and cached, so the featurizer runs once however many passes L-BFGS makes.</param>
    /// <param name="l2Regularization">L2 weight of the logistic regression (ML.NET's default 1).</param>
    public static LinearProbeResult Run(MLContext ml, IDataView train, IDataView test, string labelColumnName = "Label",
        string featureColumnName = "Features", float l2Regularization = 1f, int maximumIterations = 100)
    {
        ArgumentNullException.ThrowIfNull(ml);
        foreach (var (data, name) in new[] { (train, nameof(train)), (test, nameof(test)) })
        {
            if (data.Schema.GetColumnOrNull(labelColumnName) is null) throw new ArgumentException($"Column '{labelColumnName}' (label) is not in the {name} data.", name);
            if (data.Schema.GetColumnOrNull(featureColumnName) is not { Type: VectorDataViewType { ItemType: NumberDataViewType n } } || n != NumberDataViewType.Single)
                throw new ArgumentException($"Column '{featureColumnName}' (features) must be a float vector in the {name} data.", name);
        }
        var clock = Stopwatch.StartNew();
        var keep = ml.Transforms.SelectColumns(labelColumnName, featureColumnName);
        var trainCached = ml.Data.Cache(keep.Fit(train).Transform(train));
        var testCached = ml.Data.Cache(keep.Fit(test).Transform(test));
        bool isKey = train.Schema[labelColumnName].Type is KeyDataViewType;
        IEstimator<ITransformer> toKey = isKey ? new EstimatorChain<ITransformer>() : ml.Transforms.Conversion.MapValueToKey(labelColumnName);
        var pipeline = toKey
            .Append(ml.Transforms.NormalizeMeanVariance(featureColumnName, fixZero: false))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, L2Regularization = l2Regularization,
                MaximumNumberOfIterations = maximumIterations,
            }));
        var model = pipeline.Fit(trainCached);
        var scored = model.Transform(testCached);
        var metrics = ml.MulticlassClassification.Evaluate(scored, labelColumnName);
        var labelColumn = scored.Schema[labelColumnName];
        var names = AreaLevelEvaluator.ClassNames(labelColumn, (int)((KeyDataViewType)labelColumn.Type).Count);
        return new LinearProbeResult(ClassificationReport.FromMetrics(metrics, names), metrics, model, clock.Elapsed);
    }
}
