namespace GeoSSL.Data.Rasters;

/// <summary>
/// The affine map from pixel (column, row) to map coordinates, with the GDAL convention:
/// (0, 0) is the top-left corner of the top-left pixel, so a pixel's centre is at (x + 0.5, y + 0.5).
/// MapX = OriginX + col * PixelWidth + row * RowRotation; MapY = OriginY + col * ColumnRotation + row * PixelHeight.
/// </summary>
internal sealed record GeoTransform(double OriginX, double PixelWidth, double RowRotation, double OriginY, double ColumnRotation, double PixelHeight)
{
    /// <summary>Map coordinates of pixel position (col, row); use col + 0.5, row + 0.5 for a pixel's centre.</summary>
    public (double X, double Y) PixelToMap(double col, double row) =>
        (OriginX + col * PixelWidth + row * RowRotation, OriginY + col * ColumnRotation + row * PixelHeight);

    /// <summary>Pixel position (fractional column, row) of a map point: the inverse of <see cref="PixelToMap"/>.</summary>
    public (double Col, double Row) MapToPixel(double x, double y)
    {
        double det = PixelWidth * PixelHeight - RowRotation * ColumnRotation;
        if (det == 0) throw new InvalidOperationException("The geotransform is singular (zero pixel size); it cannot be inverted.");
        double dx = x - OriginX, dy = y - OriginY;
        return ((dx * PixelHeight - dy * RowRotation) / det, (dy * PixelWidth - dx * ColumnRotation) / det);
    }
}
