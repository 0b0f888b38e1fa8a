namespace GeoSSL.Core.Training;

/// <summary>
/// Deterministic generators per (seed, epoch, step): every random choice of a step depends only on these
/// numbers, so a run resumed from a checkpoint replays exactly what an uninterrupted run would have done.
/// </summary>
internal static class StepRandom
{
    public static Random For(int seed, int epoch, long step) => new(Mix(seed, epoch, step));

    private static int Mix(int seed, int epoch, long step)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL ^ (ulong)step * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    /// <summary>The order in which anchors are visited in an epoch.</summary>
    public static int[] EpochOrder(int seed, int epoch, int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        For(seed, epoch, -1).Shuffle(order);
        return order;
    }
}
