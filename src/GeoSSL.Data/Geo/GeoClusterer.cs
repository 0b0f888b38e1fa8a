namespace GeoSSL.Data.Geo;

/// <summary>
/// The paper's geo pretext labels: k-means (K=100 in the paper) of image coordinates, here on the unit sphere
/// (x, y, z) so that the antimeridian and the poles are handled. One label per location; all images of a location
/// share it. Double-precision Lloyd iterations from k-means++ seeds, best of a few seeded restarts, and an empty
/// cluster takes the point farthest from its centre, so K distinct places always give K populated clusters
/// (ML.NET's float32 KMeans left 28 of 100 empty on the OSCD tiles). Deterministic for a seed.
/// </summary>
internal static class GeoClusterer
{
    private const int Restarts = 4;
    private const int MaxIterations = 300;

    /// <summary>Cluster labels (0..k-1) for each point given in degrees, and the number of clusters used.</summary>
    /// <param name="clusters">Requested k; capped at the number of distinct coordinates.</param>
    public static (int[] Labels, int Clusters) Cluster(IReadOnlyList<(double Latitude, double Longitude)> coordinates, int clusters, int seed)
    {
        if (coordinates.Count == 0) throw new ArgumentException("No coordinates to cluster.", nameof(coordinates));
        if (clusters < 1) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "Need at least one geo cluster.");
        foreach (var (lat, lon) in coordinates)
            if (!double.IsFinite(lat) || !double.IsFinite(lon))
                throw new ArgumentException($"Coordinate ({lat}, {lon}) is not a finite number.", nameof(coordinates));
        var distinct = coordinates.Distinct().ToList();
        int k = Math.Min(clusters, distinct.Count);
        var index = distinct.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        int[] labels;
        if (k == 1) labels = new int[distinct.Count];
        else if (k == distinct.Count) labels = Enumerable.Range(0, k).ToArray(); // one cluster per place: nothing to optimise
        else
        {
            var points = distinct.Select(c => UnitSphere.FromDegrees(c.Latitude, c.Longitude)).ToArray();
            var rng = new Random(seed);
            labels = Enumerable.Range(0, Restarts).Select(_ => Lloyd(points, k, rng)).MinBy(r => r.Inertia).Labels;
        }
        // Renumber in order of first use so the count returned is exactly the number of labels handed out (places that
        // differ in degrees but not on the sphere, such as two longitudes at a pole, can still leave a cluster empty).
        var used = new Dictionary<int, int>();
        foreach (int label in labels) used.TryAdd(label, used.Count);
        return (coordinates.Select(c => used[labels[index[c]]]).ToArray(), used.Count);
    }

    private static (int[] Labels, double Inertia) Lloyd((double X, double Y, double Z)[] points, int k, Random rng)
    {
        var centres = SeedPlusPlus(points, k, rng);
        var labels = new int[points.Length];
        var distance = new double[points.Length];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            bool changed = Assign(points, centres, labels, distance) || iteration == 0;
            var sums = new (double X, double Y, double Z)[k];
            var counts = new int[k];
            for (int i = 0; i < points.Length; i++)
            {
                var (x, y, z) = sums[labels[i]];
                sums[labels[i]] = (x + points[i].X, y + points[i].Y, z + points[i].Z);
                counts[labels[i]]++;
            }
            for (int c = 0; c < k; c++)
            {
                if (counts[c] > 0) { centres[c] = (sums[c].X / counts[c], sums[c].Y / counts[c], sums[c].Z / counts[c]); continue; }
                // Empty cluster: move it onto the point worst served by its centre (and stop that point counting twice).
                int far = Array.IndexOf(distance, distance.Max());
                centres[c] = points[far];
                distance[far] = 0;
                changed = true;
            }
            if (!changed) break;
        }
        Assign(points, centres, labels, distance);
        return (labels, distance.Sum());
    }

    // k-means++: each next seed drawn with probability proportional to the squared distance to the nearest seed so far.
    private static (double X, double Y, double Z)[] SeedPlusPlus((double X, double Y, double Z)[] points, int k, Random rng)
    {
        var centres = new (double X, double Y, double Z)[k];
        centres[0] = points[rng.Next(points.Length)];
        var nearest = points.Select(p => Squared(p, centres[0])).ToArray();
        for (int c = 1; c < k; c++)
        {
            double total = nearest.Sum(), target = rng.NextDouble() * total;
            int chosen = points.Length - 1;
            for (int i = 0; i < points.Length; i++)
            {
                target -= nearest[i];
                if (target < 0 && nearest[i] > 0) { chosen = i; break; }
            }
            if (total == 0 || nearest[chosen] == 0) chosen = Array.IndexOf(nearest, nearest.Max()); // rounding at the end of the scan
            centres[c] = points[chosen];
            for (int i = 0; i < points.Length; i++) nearest[i] = Math.Min(nearest[i], Squared(points[i], centres[c]));
        }
        return centres;
    }

    private static bool Assign((double X, double Y, double Z)[] points, (double X, double Y, double Z)[] centres, int[] labels, double[] distance)
    {
        bool changed = false;
        for (int i = 0; i < points.Length; i++)
        {
            int best = 0;
            double bestDistance = double.MaxValue;
            for (int c = 0; c < centres.Length; c++)
            {
                double d = Squared(points[i], centres[c]);
                if (d < bestDistance) { bestDistance = d; best = c; }
            }
            changed |= labels[i] != best;
            labels[i] = best;
            distance[i] = bestDistance;
        }
        return changed;
    }

    private static double Squared((double X, double Y, double Z) a, (double X, double Y, double Z) b)
    {
        double dx = a.X - b.X, dy = a.Y - b.Y, dz = a.Z - b.Z;
        return dx * dx + dy * dy + dz * dz;
    }
}
