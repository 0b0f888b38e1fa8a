namespace GeoSSL.Data.Dense;

/// <summary>
/// SplitMix64 seeded from (seed, epoch, index): each window's draw depends on those three numbers only, so windows can be
/// filled in any order, on any thread, or skipped, and still come out the same (System.Random would tie window i to the
/// draws of windows 0..i-1).
/// </summary>
internal struct WindowRandom
{
    private ulong _state;

    public WindowRandom(int seed, int epoch, long index)
    {
        _state = Mix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)(uint)epoch + 0xD1B54A32D192ED03UL) ^ Mix((ulong)index + 0x8CB92BA72F3D8DD7UL));
    }

    public ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform 0..n-1 (n &gt; 0), by rejection so no value is favoured.</summary>
    public long NextLong(long n)
    {
        ulong bound = (ulong)n, limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong v;
        do v = Next(); while (v >= limit);
        return (long)(v % bound);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
