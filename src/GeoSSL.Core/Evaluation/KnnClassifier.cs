using static TorchSharp.torch;

namespace GeoSSL.Core.Evaluation;

/// <summary>
/// Weighted k-nearest-neighbour classification by cosine similarity, the monitor used by InstDisc/MoCo: each of the
/// k most similar bank vectors votes for its class with weight exp(similarity / temperature). Batched on the CPU
/// (or the bank's device) with one matrix product per chunk of queries.
/// </summary>
internal static class KnnClassifier
{
    /// <param name="bank">Labelled reference vectors.</param>
    /// <param name="queries">Vectors to classify; pass the bank itself with <paramref name="leaveOneOut"/> for leave-one-out accuracy.</param>
    /// <param name="leaveOneOut">Exclude query i from its own neighbours (queries must be the bank).</param>
    /// <returns>Predicted class per query.</returns>
    public static int[] Predict(float[][] bank, int[] bankLabels, float[][] queries, int classes, int k = 20, double temperature = 0.07, bool leaveOneOut = false)
    {
        if (bank.Length == 0) throw new ArgumentException("The kNN bank is empty.", nameof(bank));
        if (bankLabels.Length != bank.Length) throw new ArgumentException($"{bank.Length} bank vectors but {bankLabels.Length} labels.", nameof(bankLabels));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (classes < 1 || bankLabels.Any(l => l < 0 || l >= classes)) throw new ArgumentOutOfRangeException(nameof(bankLabels), $"Labels must lie in [0, {classes}).");
        if (leaveOneOut && !ReferenceEquals(bank, queries)) throw new ArgumentException("Leave-one-out needs the bank itself as the queries.", nameof(leaveOneOut));
        int neighbours = Math.Min(k, bank.Length - (leaveOneOut ? 1 : 0));
        if (neighbours < 1) throw new ArgumentException("Leave-one-out kNN needs at least two bank vectors.", nameof(bank));

        using var scope = NewDisposeScope();
        var bankT = nn.functional.normalize(Stack(bank), dim: 1);
        var labelsT = tensor(bankLabels.Select(l => (long)l).ToArray());
        var result = new int[queries.Length];
        const int chunk = 512;
        for (int start = 0; start < queries.Length; start += chunk)
        {
            using var inner = NewDisposeScope();
            int n = Math.Min(chunk, queries.Length - start);
            var q = nn.functional.normalize(Stack(queries.AsSpan(start, n).ToArray()), dim: 1);
            var sim = q.matmul(bankT.t());
            if (leaveOneOut)
            {
                var rows = arange(n, ScalarType.Int64);
                sim.index_put_(float.NegativeInfinity, rows, rows + start);
            }
            var (top, index) = sim.topk(neighbours, dim: 1);
            var votes = zeros(n, classes).scatter_add_(1, labelsT[index], (top / temperature).exp());
            var predicted = votes.argmax(1).data<long>().ToArray();
            for (int i = 0; i < n; i++) result[start + i] = (int)predicted[i];
        }
        return result;
    }

    private static Tensor Stack(float[][] rows)
    {
        int d = rows[0].Length;
        var flat = new float[rows.Length * d];
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != d) throw new ArgumentException($"Vector {i} has {rows[i].Length} values; the first has {d}.");
            rows[i].CopyTo(flat, i * d);
        }
        return tensor(flat, new long[] { rows.Length, d });
    }
}
