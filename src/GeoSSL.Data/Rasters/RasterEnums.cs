namespace GeoSSL.Data.Rasters;

/// <summary>How the numbers in a raster are stored (TIFF SampleFormat tag).</summary>
internal enum RasterSampleFormat
{
    UnsignedInteger = 1,
    SignedInteger = 2,
    IeeeFloat = 3,
}

/// <summary>How bands are laid out: interleaved per pixel (chunky) or one plane per band (planar).</summary>
internal enum RasterPlanarLayout
{
    Chunky = 1,
    Planar = 2,
}

/// <summary>Compression of the stored strips or tiles (TIFF Compression tag codes).</summary>
internal enum RasterCompression
{
    None = 1,
    Lzw = 5,
    Jpeg = 7,
    Deflate = 8,
    PackBits = 32773,
    AdobeDeflate = 32946,
    /// <summary>Any code not listed above; <see cref="GeoTiffInfo.CompressionCode"/> has the number.</summary>
    Other = -1,
}

/// <summary>Whether a tiepoint refers to a pixel's top-left corner (area) or its centre (point); GeoTIFF key 1025.</summary>
internal enum RasterPixelType
{
    PixelIsArea = 1,
    PixelIsPoint = 2,
}
