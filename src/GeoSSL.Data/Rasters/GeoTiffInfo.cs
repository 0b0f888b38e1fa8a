namespace GeoSSL.Data.Rasters;

/// <summary>What a GeoTIFF holds and how it is stored, read from its tags without decoding pixels.</summary>
internal sealed record GeoTiffInfo
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

/// <summary>Pixel ↔ longitude/latitude for a georeferenced <see cref="GeoTiffInfo"/>.</summary>
internal static class GeoTiffInfoExtensions
{
    /// <summary>Longitude/latitude (degrees) of pixel position (col, row); use +0.5 for a pixel's centre.</summary>
    public static (double Longitude, double Latitude) PixelToLonLat(this GeoTiffInfo info, double col, double row)
    {
        var (x, y) = RequireTransform(info).PixelToMap(col, row);
        return RequireProjection(info).ToLonLat(x, y);
    }

    /// <summary>Fractional pixel position (col, row) of a longitude/latitude in degrees.</summary>
    public static (double Col, double Row) LonLatToPixel(this GeoTiffInfo info, double longitude, double latitude)
    {
        var (x, y) = RequireProjection(info).FromLonLat(longitude, latitude);
        return RequireTransform(info).MapToPixel(x, y);
    }

    private static GeoTransform RequireTransform(GeoTiffInfo info) => info.Transform
        ?? throw new InvalidOperationException($"'{info.Path}' has no georeferencing (expected ModelTiepoint+ModelPixelScale or ModelTransformation tags).");

    private static MapProjection RequireProjection(GeoTiffInfo info) => MapProjection.FromEpsg(info.EpsgCode
        ?? throw new InvalidOperationException($"'{info.Path}' names no EPSG code in its GeoKey directory (expected GeographicTypeGeoKey or ProjectedCSTypeGeoKey)."));
}
