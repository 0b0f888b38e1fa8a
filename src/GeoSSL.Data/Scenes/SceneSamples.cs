namespace GeoSSL.Data.Scenes;

/// <summary>Conversions between 8-bit image samples and the float samples scenes hold.</summary>
public static class SceneSamples
{
    /// <summary>Bytes as floats (0..255, unscaled).</summary>
    public static float[] ToFloats(ReadOnlySpan<byte> source)
    {
        var result = new float[source.Length];
        for (int i = 0; i < source.Length; i++) result[i] = source[i];
        return result;
    }

    /// <summary>
    /// Floats that hold 8-bit values back to bytes, exactly. A value that is not a whole number in 0..255 throws instead of
    /// being clamped or rounded: it means the scene holds something else (e.g. Sentinel-2 reflectance), which needs scaling.
    /// </summary>
    public static void ToBytes(ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("Destination is too small.", nameof(destination));
        for (int i = 0; i < source.Length; i++)
        {
            float v = source[i];
            if (!(v >= 0 && v <= 255) || v != MathF.Floor(v))
                throw new ArgumentException($"Sample {i} is {v}, not an 8-bit value (a whole number 0..255).", nameof(source));
            destination[i] = (byte)v;
        }
    }
}
