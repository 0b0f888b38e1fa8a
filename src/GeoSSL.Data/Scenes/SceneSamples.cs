namespace GeoSSL.Data.Scenes;

/// <summary>Conversions between 8-bit image samples and the float samples scenes hold.</summary>
internal static class SceneSamples
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
            // .NET 9+ float->byte conversion saturates (NaN -> 0), so the round trip holds exactly for whole numbers 0..255 only
            byte b = (byte)source[i];
            if (b != source[i])
                throw new ArgumentException($"Sample {i} is {source[i]}, not an 8-bit value (a whole number 0..255).", nameof(source));
            destination[i] = b;
        }
    }
}
