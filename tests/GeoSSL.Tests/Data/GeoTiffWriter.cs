using BitMiracle.LibTiff.Classic;

namespace GeoSSL.Tests.Data;

/// <summary>Writes small GeoTIFFs with LibTiff.NET for the reader tests: value(band, x, y) is known for every sample.</summary>
internal static class GeoTiffWriter
{
    internal sealed record Layout(int Width, int Height, int Bands, int Bits, SampleFormat Format, bool Planar, int TileSize, int RowsPerStrip, Compression Compression, int Predictor = 1);

    internal static double Value(int band, int x, int y, SampleFormat format) => format switch
    {
        SampleFormat.IEEEFP => band * 1000 + y * 7 + x * 3 + 0.25,
        SampleFormat.INT => -(band * 1000 + y * 7 + x * 3), // negative, so sign handling is tested
        _ => band * 1000 + y * 7 + x * 3,
    };

    /// <summary>The value as stored: 8-bit samples keep the low byte.</summary>
    internal static double Stored(Layout layout, int band, int x, int y) =>
        layout.Bits == 8 ? Value(band, x, y, layout.Format) % 256 : Value(band, x, y, layout.Format);

    private static readonly object Gate = new();
    private static bool _extended;
    private static Tiff.TiffExtendProc? _parentExtender;

    /// <summary>LibTiff.NET reads unknown tags as anonymous fields but refuses to write them until they are declared; declare the GeoTIFF ones once.</summary>
    private static void DeclareGeoTiffTags()
    {
        lock (Gate)
        {
            if (_extended) return;
            _parentExtender = Tiff.SetTagExtender(tiff =>
            {
                TiffFieldInfo[] fields =
                [
                    new(TiffTag.GEOTIFF_MODELPIXELSCALETAG, -1, -1, TiffType.DOUBLE, FieldBit.Custom, false, true, "ModelPixelScaleTag"),
                    new(TiffTag.GEOTIFF_MODELTIEPOINTTAG, -1, -1, TiffType.DOUBLE, FieldBit.Custom, false, true, "ModelTiepointTag"),
                    new(TiffTag.GEOTIFF_MODELTRANSFORMATIONTAG, -1, -1, TiffType.DOUBLE, FieldBit.Custom, false, true, "ModelTransformationTag"),
                    new(TiffTag.GEOTIFF_GEOKEYDIRECTORYTAG, -1, -1, TiffType.SHORT, FieldBit.Custom, false, true, "GeoKeyDirectoryTag"),
                ];
                tiff.MergeFieldInfo(fields, fields.Length);
                _parentExtender?.Invoke(tiff);
            });
            _extended = true;
        }
    }

    internal static void Write(string path, Layout layout, double[]? tiepoint = null, double[]? pixelScale = null, double[]? transformation = null, ushort[]? geoKeys = null)
    {
        DeclareGeoTiffTags();
        using var tiff = Tiff.Open(path, "w") ?? throw new InvalidOperationException("Cannot create " + path);
        tiff.SetField(TiffTag.IMAGEWIDTH, layout.Width);
        tiff.SetField(TiffTag.IMAGELENGTH, layout.Height);
        tiff.SetField(TiffTag.SAMPLESPERPIXEL, layout.Bands);
        tiff.SetField(TiffTag.BITSPERSAMPLE, layout.Bits);
        tiff.SetField(TiffTag.SAMPLEFORMAT, layout.Format);
        tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
        tiff.SetField(TiffTag.PLANARCONFIG, layout.Planar ? PlanarConfig.SEPARATE : PlanarConfig.CONTIG);
        tiff.SetField(TiffTag.COMPRESSION, layout.Compression);
        if (layout.Predictor != 1) Require(tiff.SetField(TiffTag.PREDICTOR, layout.Predictor), "predictor");
        if (layout.Bands > 1) tiff.SetField(TiffTag.EXTRASAMPLES, layout.Bands - 1, new short[layout.Bands - 1]);
        bool tiled = layout.TileSize > 0;
        if (tiled)
        {
            tiff.SetField(TiffTag.TILEWIDTH, layout.TileSize);
            tiff.SetField(TiffTag.TILELENGTH, layout.TileSize);
        }
        else tiff.SetField(TiffTag.ROWSPERSTRIP, layout.RowsPerStrip);
        if (tiepoint is not null) Require(tiff.SetField(TiffTag.GEOTIFF_MODELTIEPOINTTAG, tiepoint.Length, tiepoint), "tiepoint");
        if (pixelScale is not null) Require(tiff.SetField(TiffTag.GEOTIFF_MODELPIXELSCALETAG, pixelScale.Length, pixelScale), "pixel scale");
        if (transformation is not null) Require(tiff.SetField(TiffTag.GEOTIFF_MODELTRANSFORMATIONTAG, transformation.Length, transformation), "transformation");
        if (geoKeys is not null) Require(tiff.SetField(TiffTag.GEOTIFF_GEOKEYDIRECTORYTAG, geoKeys.Length, geoKeys), "geokeys");

        int blockW = tiled ? layout.TileSize : layout.Width, blockH = tiled ? layout.TileSize : layout.RowsPerStrip;
        int samplesPerPixel = layout.Planar ? 1 : layout.Bands, bytes = layout.Bits / 8;
        int planes = layout.Planar ? layout.Bands : 1;
        for (int plane = 0; plane < planes; plane++)
            for (int by = 0; by < layout.Height; by += blockH)
                for (int bx = 0; bx < layout.Width; bx += blockW)
                {
                    int rows = tiled ? blockH : Math.Min(blockH, layout.Height - by);
                    var buffer = new byte[blockW * rows * samplesPerPixel * bytes];
                    for (int r = 0; r < rows; r++)
                        for (int c = 0; c < blockW; c++)
                            for (int s = 0; s < samplesPerPixel; s++)
                            {
                                int x = bx + c, y = by + r, band = layout.Planar ? plane : s;
                                if (x >= layout.Width || y >= layout.Height) continue;
                                Put(buffer, ((r * blockW + c) * samplesPerPixel + s) * bytes, layout, Value(band, x, y, layout.Format));
                            }
                    int written = tiled
                        ? tiff.WriteEncodedTile(tiff.ComputeTile(bx, by, 0, (short)plane), buffer, buffer.Length)
                        : tiff.WriteEncodedStrip(tiff.ComputeStrip(by, (short)plane), buffer, buffer.Length);
                    Require(written >= 0, "block write");
                }
    }

    private static void Put(byte[] buffer, int at, Layout layout, double value)
    {
        switch (layout.Format, layout.Bits)
        {
            case (SampleFormat.UINT, 8): buffer[at] = (byte)value; break;
            case (SampleFormat.UINT, 16): BitConverter.TryWriteBytes(buffer.AsSpan(at), (ushort)value); break;
            case (SampleFormat.INT, 16): BitConverter.TryWriteBytes(buffer.AsSpan(at), (short)value); break;
            case (SampleFormat.IEEEFP, 32): BitConverter.TryWriteBytes(buffer.AsSpan(at), (float)value); break;
            case (_, 16): BitConverter.TryWriteBytes(buffer.AsSpan(at), (ushort)value); break; // e.g. complex: only the tags matter
            default: throw new NotSupportedException($"{layout.Bits}-bit {layout.Format}");
        }
    }

    private static void Require(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException("LibTiff failed to write the " + what);
    }

    internal static ushort[] GeoKeys4326 => [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326];

    internal static ushort[] GeoKeysUtm(int epsg, int rasterType = 1) => [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, (ushort)rasterType, 3072, 0, 1, (ushort)epsg];
}
