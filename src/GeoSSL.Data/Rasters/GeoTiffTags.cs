using BitMiracle.LibTiff.Classic;

namespace GeoSSL.Data.Rasters;

/// <summary>Reads the TIFF layout tags and the GeoTIFF georeferencing tags of an open file into a <see cref="GeoTiffInfo"/>.</summary>
internal static class GeoTiffTags
{
    internal static GeoTiffInfo ReadInfo(Tiff tiff, string path)
    {
        int width = Int(tiff, TiffTag.IMAGEWIDTH) ?? throw Bad(path, "it has no ImageWidth tag");
        int height = Int(tiff, TiffTag.IMAGELENGTH) ?? throw Bad(path, "it has no ImageLength tag");
        int bands = IntDefaulted(tiff, TiffTag.SAMPLESPERPIXEL, 1);
        int bits = IntDefaulted(tiff, TiffTag.BITSPERSAMPLE, 1);
        int formatCode = IntDefaulted(tiff, TiffTag.SAMPLEFORMAT, 1);
        int planarCode = IntDefaulted(tiff, TiffTag.PLANARCONFIG, 1);
        int compression = IntDefaulted(tiff, TiffTag.COMPRESSION, 1);
        bool tiled = tiff.IsTiled();

        if (formatCode is < 1 or > 3)
            throw Bad(path, $"its SampleFormat is {formatCode}; expected 1 (unsigned int), 2 (signed int) or 3 (IEEE float)");
        var format = (RasterSampleFormat)formatCode;
        if (!SampleConverter.IsSupported(format, bits))
            throw Bad(path, $"it stores {bits}-bit {format} samples; expected 8/16/32-bit integers or 32/64-bit floats");
        if (planarCode is not (1 or 2)) throw Bad(path, $"its PlanarConfiguration is {planarCode}; expected 1 (chunky) or 2 (planar)");

        int blockW, blockH;
        if (tiled)
        {
            blockW = Int(tiff, TiffTag.TILEWIDTH) ?? throw Bad(path, "it is tiled but has no TileWidth tag");
            blockH = Int(tiff, TiffTag.TILELENGTH) ?? throw Bad(path, "it is tiled but has no TileLength tag");
        }
        else
        {
            blockW = width;
            // RowsPerStrip defaults to 2^32-1 (one strip); clamp to the height so block arithmetic stays in range.
            long rows = tiff.GetFieldDefaulted(TiffTag.ROWSPERSTRIP) is { Length: > 0 } r ? r[0].ToLong() : height;
            blockH = (int)Math.Clamp(rows <= 0 ? height : rows, 1, height);
        }

        var (transform, epsg, pixelType) = ReadGeoreferencing(tiff, path);
        return new GeoTiffInfo
        {
            Path = path,
            Width = width,
            Height = height,
            BandCount = bands,
            BitsPerSample = bits,
            SampleFormat = format,
            PlanarLayout = (RasterPlanarLayout)planarCode,
            IsTiled = tiled,
            BlockWidth = blockW,
            BlockHeight = blockH,
            Compression = Enum.IsDefined(typeof(RasterCompression), compression) ? (RasterCompression)compression : RasterCompression.Other,
            CompressionCode = compression,
            Transform = transform,
            EpsgCode = epsg,
            PixelType = pixelType,
        };
    }

    private static (GeoTransform?, int?, RasterPixelType) ReadGeoreferencing(Tiff tiff, string path)
    {
        var keys = tiff.GetField(TiffTag.GEOTIFF_GEOKEYDIRECTORYTAG) is { Length: > 1 } k
            ? GeoKeyDirectory.InlineKeys(k[1].ToUShortArray() ?? [])
            : new Dictionary<int, int>();
        var pixelType = GeoKeyDirectory.PixelType(keys);
        var epsg = GeoKeyDirectory.Epsg(keys);

        GeoTransform? transform = null;
        var matrix = Doubles(tiff, TiffTag.GEOTIFF_MODELTRANSFORMATIONTAG);
        var tiepoints = Doubles(tiff, TiffTag.GEOTIFF_MODELTIEPOINTTAG);
        var scale = Doubles(tiff, TiffTag.GEOTIFF_MODELPIXELSCALETAG);
        if (matrix is { Length: >= 16 })
        {
            // Row-major 4x4: X = m0*i + m1*j + m3, Y = m4*i + m5*j + m7.
            transform = new GeoTransform(matrix[3], matrix[0], matrix[1], matrix[7], matrix[4], matrix[5]);
        }
        else if (tiepoints is { Length: >= 6 } && scale is { Length: >= 2 })
        {
            // Tiepoint (I, J, K, X, Y, Z) puts raster point (I, J) at map (X, Y); rows go down, map Y goes up, hence -ScaleY.
            double i = tiepoints[0], j = tiepoints[1], mx = tiepoints[3], my = tiepoints[4];
            transform = new GeoTransform(mx - i * scale[0], scale[0], 0, my + j * scale[1], 0, -scale[1]);
        }
        else if (tiepoints is not null || scale is not null)
        {
            throw Bad(path, "it has a ModelTiepoint or ModelPixelScale tag without the other (or too few values); expected both, or a ModelTransformation tag");
        }

        // PixelIsPoint: the tiepoint is a pixel's centre; shift by half a pixel so the origin is a corner, as GDAL does.
        if (transform is not null && pixelType == RasterPixelType.PixelIsPoint)
        {
            var (ox, oy) = transform.PixelToMap(-0.5, -0.5);
            transform = transform with { OriginX = ox, OriginY = oy };
        }
        return (transform, epsg, pixelType);
    }

    private static double[]? Doubles(Tiff tiff, TiffTag tag) =>
        tiff.GetField(tag) is { Length: > 1 } v ? v[1].ToDoubleArray() : null;

    private static int? Int(Tiff tiff, TiffTag tag) => tiff.GetField(tag) is { Length: > 0 } v ? v[0].ToInt() : null;

    private static int IntDefaulted(Tiff tiff, TiffTag tag, int fallback) =>
        tiff.GetFieldDefaulted(tag) is { Length: > 0 } v ? v[0].ToInt() : fallback;

    private static InvalidDataException Bad(string path, string why) => new($"GeoTIFF '{path}' cannot be read: {why}.");
}
