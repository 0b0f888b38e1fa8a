using GeoSSL.Data.Records;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace GeoSSL.MLNet.Geo;

/// <summary>
/// The paper's geo pretext labels: k-means of image coordinates, here on the unit sphere (x, y, z) so that the
/// antimeridian and the poles are handled, computed with ML.NET's KMeans trainer. One label per location; all
/// images of a location share it. Deterministic for a seed (single-threaded k-means++ in a seeded context).
/// </summary>
public static class GeoClusterer
{
    private sealed class Point
    {
        [VectorType(3)] public float[] Features { get; set; } = new float[3];
    }

    private sealed class Assignment
    {
        [ColumnName("PredictedLabel")] public uint Cluster { get; set; }
    }

    /// <summary>Cluster labels (0..k-1) for each point given in degrees, and the number of clusters used.</summary>
    /// <param name="clusters">Requested k; capped at the number of distinct coordinates.</param>
    public static (int[] Labels, int Clusters) Cluster(IReadOnlyList<(double Latitude, double Longitude)> coordinates, int clusters, int seed)
    {
        if (coordinates.Count == 0) throw new ArgumentException("No coordinates to cluster.", nameof(coordinates));
        if (clusters < 1) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "Need at least one geo cluster.");
        var distinct = coordinates.Distinct().ToList();
        int k = Math.Min(clusters, distinct.Count);
        if (k == 1) return (new int[coordinates.Count], 1);
        if (k == distinct.Count) // one cluster per place: nothing to optimise
        {
            var own = distinct.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
            return (coordinates.Select(c => own[c]).ToArray(), k);
        }
        var (labels, used) = KMeans(distinct, k, seed);
        var byCoordinate = new Dictionary<(double, double), int>();
        for (int i = 0; i < distinct.Count; i++) byCoordinate[distinct[i]] = labels[i];
        return (coordinates.Select(c => byCoordinate[c]).ToArray(), used);
    }

    private static (int[] Labels, int Clusters) KMeans(List<(double Latitude, double Longitude)> distinct, int k, int seed)
    {

        var ml = new MLContext(seed);
        var points = distinct.Select(c => { var p = UnitSphere.FromDegrees(c.Latitude, c.Longitude); return new Point { Features = [p.X, p.Y, p.Z] }; }).ToList();
        var data = ml.Data.LoadFromEnumerable(points);
        var trainer = ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
        {
            FeatureColumnName = nameof(Point.Features),
            NumberOfClusters = k,
            NumberOfThreads = 1,
            InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
            MaximumNumberOfIterations = 1000,
            OptimizationTolerance = 1e-9f,
        });
        try
        {
            var model = trainer.Fit(data);
            var assigned = ml.Data.CreateEnumerable<Assignment>(model.Transform(data), reuseRowObject: false).Select(a => (int)a.Cluster - 1).ToArray();
            // ML.NET's float32 distances can leave clusters empty; renumber the used ones 0..used-1 so the geo head
            // has no class that never occurs.
            var used = assigned.Distinct().OrderBy(c => c).Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
            return (assigned.Select(c => used[c]).ToArray(), used.Count);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("distinct instances", StringComparison.Ordinal) && k > 2)
        {
            // ML.NET measures distances in float32; places a few hundred metres apart can look identical to its
            // k-means++ seeding, which then cannot find k distinct centres. Ask for fewer clusters.
            return KMeans(distinct, Math.Max(2, k * 3 / 4), seed);
        }
    }
}
