namespace GeoSSL.Data.Rasters;

/// <summary>What a GeoTIFF holds and how it is stored, read from its tags without decoding pixels.</summary>
public sealed record GeoTiffInfo
{
    public required string Path { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    /// <summary>SamplesPerPixel: the number of bands.</summary>
    public required int BandCount { get; init; }
    public required int BitsPerSample { get; init; }
    public required RasterSampleFormat SampleFormat { get; init; }
    public required RasterPlanarLayout PlanarLayout { get; init; }
    public required bool IsTiled { get; init; }
    /// <summary>Tile width for tiled files, else the image width (a strip spans the row).</summary>
    public required int BlockWidth { get; init; }
    /// <summary>Tile height for tiled files, else RowsPerStrip.</summary>
    public required int BlockHeight { get; init; }
    public required RasterCompression Compression { get; init; }
    /// <summary>The raw TIFF Compression code (also set when <see cref="Compression"/> is Other).</summary>
    public required int CompressionCode { get; init; }
    /// <summary>Pixel → map affine, or null when the file has no tiepoint/scale or transformation tag.</summary>
    public GeoTransform? Transform { get; init; }
    /// <summary>EPSG code of the coordinate system from the GeoKey directory (e.g. 4326, 32631), or null when absent or user-defined.</summary>
    public int? EpsgCode { get; init; }
    public RasterPixelType PixelType { get; init; } = RasterPixelType.PixelIsArea;

    /// <summary>Bytes per sample (BitsPerSample / 8).</summary>
    public int BytesPerSample => BitsPerSample / 8;
}
