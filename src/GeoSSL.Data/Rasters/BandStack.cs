namespace GeoSSL.Data.Rasters;

/// <summary>Bands resampled onto one grid: <see cref="Data"/> is [Channels, Height, Width] row-major, in <see cref="Bands"/> order.</summary>
internal sealed record BandStack(float[] Data, int Channels, int Height, int Width, IReadOnlyList<string> Bands, GeoTransform Transform, int? EpsgCode)
{
    /// <summary>The value of channel <paramref name="channel"/> at pixel (x, y).</summary>
    public float this[int channel, int y, int x] => Data[((long)channel * Height + y) * Width + x];
}
