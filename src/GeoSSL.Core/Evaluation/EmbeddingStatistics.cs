namespace GeoSSL.Core.Evaluation;

/// <summary>
/// Collapse check for self-supervised embeddings (SimSiam, Chen and He 2021): the per-dimension standard deviation
/// of L2-normalised embeddings. Spread-out d-dimensional embeddings give about 1/sqrt(d); a collapsed encoder, which
/// maps every image to (nearly) the same vector, gives about 0.
/// </summary>
internal static class EmbeddingStatistics
{
    /// <returns>The mean over dimensions of the std over samples, and that value times sqrt(d) (≈1 healthy, ≈0 collapsed).</returns>
    public static (double MeanStd, double NormalizedStd) Collapse(IReadOnlyList<float[]> embeddings)
    {
        if (embeddings.Count < 2) throw new ArgumentException("Need at least two embeddings to measure their spread.", nameof(embeddings));
        int d = embeddings[0].Length;
        var sum = new double[d];
        var sumSq = new double[d];
        foreach (var e in embeddings)
        {
            if (e.Length != d) throw new ArgumentException($"Embeddings differ in length ({e.Length} vs {d}).", nameof(embeddings));
            double norm = Math.Sqrt(e.Sum(v => (double)v * v));
            if (norm == 0) norm = 1;
            for (int j = 0; j < d; j++)
            {
                double v = e[j] / norm;
                sum[j] += v;
                sumSq[j] += v * v;
            }
        }
        int n = embeddings.Count;
        double meanStd = 0;
        for (int j = 0; j < d; j++)
        {
            double mean = sum[j] / n;
            meanStd += Math.Sqrt(Math.Max(0, sumSq[j] / n - mean * mean));
        }
        meanStd /= d;
        return (meanStd, meanStd * Math.Sqrt(d));
    }
}
