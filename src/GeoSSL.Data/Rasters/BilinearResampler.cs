namespace GeoSSL.Data.Rasters;

/// <summary>
/// Bilinear resampling between two axis-aligned grids in the same coordinate system: each target pixel centre is placed
/// on the source grid, and the four nearest source pixel centres are weighted by distance; beyond the outer source
/// centres the edge pixel is repeated (no fill values appear).
/// </summary>
internal static class BilinearResampler
{
    internal static void Resample(float[] source, GeoTiffInfo sourceInfo, Span<float> target, GeoTiffInfo targetInfo)
    {
        var s = sourceInfo.Transform!;
        var t = targetInfo.Transform!;
        if (s.RowRotation != 0 || s.ColumnRotation != 0 || t.RowRotation != 0 || t.ColumnRotation != 0)
            throw new NotSupportedException($"'{sourceInfo.Path}' or '{targetInfo.Path}' has a rotated geotransform; only north-up grids are resampled.");

        // Separable: columns depend only on map X, rows only on map Y, so weights are computed once per column and per row.
        var (x0, x1, wx) = Axis(targetInfo.Width, t.OriginX, t.PixelWidth, s.OriginX, s.PixelWidth, sourceInfo.Width);
        var (y0, y1, wy) = Axis(targetInfo.Height, t.OriginY, t.PixelHeight, s.OriginY, s.PixelHeight, sourceInfo.Height);
        int sw = sourceInfo.Width, tw = targetInfo.Width;
        for (int row = 0; row < targetInfo.Height; row++)
        {
            int top = y0[row] * sw, bottom = y1[row] * sw;
            float fy = wy[row];
            var line = target.Slice(row * tw, tw);
            for (int col = 0; col < tw; col++)
            {
                float fx = wx[col];
                float upper = source[top + x0[col]] * (1 - fx) + source[top + x1[col]] * fx;
                float lower = source[bottom + x0[col]] * (1 - fx) + source[bottom + x1[col]] * fx;
                line[col] = upper * (1 - fy) + lower * fy;
            }
        }
    }

    /// <summary>For each target index: the two source indices around its centre and the weight of the second.</summary>
    private static (int[] Low, int[] High, float[] Weight) Axis(int count, double targetOrigin, double targetStep, double sourceOrigin, double sourceStep, int sourceCount)
    {
        var low = new int[count];
        var high = new int[count];
        var weight = new float[count];
        for (int i = 0; i < count; i++)
        {
            double map = targetOrigin + (i + 0.5) * targetStep;
            double u = (map - sourceOrigin) / sourceStep - 0.5; // position in source pixel-centre units
            // Snap values within 1e-9 of a centre so aligned grids copy the source exactly despite rounding in the transform.
            double rounded = Math.Round(u);
            if (Math.Abs(u - rounded) < 1e-9) u = rounded;
            u = Math.Clamp(u, 0, sourceCount - 1);
            int l = (int)Math.Floor(u);
            int h = Math.Min(l + 1, sourceCount - 1);
            low[i] = l;
            high[i] = h;
            weight[i] = (float)(u - l);
        }
        return (low, high, weight);
    }
}
