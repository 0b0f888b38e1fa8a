namespace GeoSSL.Data.Scenes;

/// <summary>
/// One place (e.g. a city) imaged on one or more dates, all dates co-registered on one pixel grid: per date a planar
/// [Channels, Height, Width] float buffer of raw sample values (PNG: 0..255; Sentinel-2: reflectance x 10000), plus the
/// mapping from pixel position to latitude/longitude. Load with <see cref="FromOscdChange"/> or <see cref="FromSentinel2(string, string)"/>.
/// </summary>
internal sealed partial class GeoScene
{
    private readonly float[][] _samples;
    private readonly ISceneGeoreference _georeference;

    /// <summary>Short name used in location ids (the city, e.g. "bercy").</summary>
    public string Name { get; }
    /// <summary>The folder the scene was read from (used in the records' pseudo image paths and in error messages).</summary>
    public string Source { get; }
    public IReadOnlyList<string> Bands { get; }
    public int Channels => Bands.Count;
    public int Height { get; }
    public int Width { get; }
    /// <summary>Acquisition date of each date's raster (null when unknown), in date-index order.</summary>
    public IReadOnlyList<DateTime?> Dates { get; }
    public int DateCount => _samples.Length;
    /// <summary>True when every sample is an integer 0..255 (decoded 8-bit images), so windows can be filled as bytes.</summary>
    public bool IsByteValued { get; }
    /// <summary>How <see cref="PixelToLatLon"/> is derived, and how exact it is (e.g. the PNG approximation).</summary>
    public string GeoreferenceDescription => _georeference.Description;

    internal GeoScene(string name, string source, IReadOnlyList<string> bands, int height, int width, IReadOnlyList<DateTime?> dates,
        float[][] samples, ISceneGeoreference georeference, bool isByteValued)
    {
        if (samples.Length == 0 || samples.Length != dates.Count) throw new ArgumentException("Need one sample buffer per date, and at least one date.");
        long plane = (long)height * width;
        if (samples.Any(s => s.LongLength != bands.Count * plane)) throw new ArgumentException($"Scene '{name}': a date's buffer is not {bands.Count}x{height}x{width}.");
        Name = name;
        Source = source;
        Bands = bands;
        Height = height;
        Width = width;
        Dates = dates;
        _samples = samples;
        _georeference = georeference;
        IsByteValued = isByteValued;
    }

    /// <summary>The raw samples of date <paramref name="dateIndex"/>, [Channels, Height, Width] row-major.</summary>
    public ReadOnlyMemory<float> Samples(int dateIndex) => _samples[dateIndex];

    /// <summary>The value of band <paramref name="channel"/> at pixel (x, y) on date <paramref name="dateIndex"/>.</summary>
    public float this[int dateIndex, int channel, int y, int x] => _samples[dateIndex][((long)channel * Height + y) * Width + x];

    /// <summary>
    /// Latitude and longitude (WGS84 degrees) of pixel position (col, row), GDAL convention: (0, 0) is the top-left corner
    /// of the top-left pixel, so a pixel's centre is (x + 0.5, y + 0.5). North is up: a smaller row is further north.
    /// </summary>
    public (double Latitude, double Longitude) PixelToLatLon(double col, double row) => _georeference.PixelToLatLon(col, row);

    /// <summary>Bytes held by the sample buffers of all dates.</summary>
    public long SampleBytes => _samples.Sum(s => s.LongLength) * sizeof(float);

    public override string ToString() => $"{Name}: {Channels}x{Height}x{Width}, {DateCount} date(s)";
}
