namespace GeoSSL.Data.Input;

/// <summary>
/// Bilinear resizing of planar float samples [C, H, W] to a square, with the <see cref="ResizeMode"/> every path uses:
/// a centred square crop first (<see cref="ResizeMode.CenterCrop"/>) or the whole image (<see cref="ResizeMode.Stretch"/>).
/// Pixel centres are mapped as torch's interpolate(align_corners=false) maps them, without antialiasing.
/// </summary>
internal static class PlanarResize
{
    public static void Resize(ReadOnlySpan<float> source, int channels, int height, int width, int size, ResizeMode mode, Span<float> destination)
    {
        if (source.Length < channels * height * width) throw new ArgumentException($"Expected {channels}x{height}x{width} samples.", nameof(source));
        if (destination.Length < channels * size * size) throw new ArgumentException($"Expected room for {channels}x{size}x{size} samples.", nameof(destination));
        int cropH = height, cropW = width, top = 0, left = 0;
        if (mode == ResizeMode.CenterCrop)
        {
            int side = Math.Min(height, width);
            top = (height - side) / 2; left = (width - side) / 2; cropH = cropW = side;
        }
        var (x0, x1, wx) = Axis(size, cropW, left, width);
        var (y0, y1, wy) = Axis(size, cropH, top, height);
        for (int c = 0; c < channels; c++)
        {
            var plane = source.Slice(c * height * width, height * width);
            var target = destination.Slice(c * size * size, size * size);
            for (int row = 0; row < size; row++)
            {
                int a = y0[row] * width, b = y1[row] * width;
                float fy = wy[row];
                for (int col = 0; col < size; col++)
                {
                    float fx = wx[col];
                    float upper = plane[a + x0[col]] * (1 - fx) + plane[a + x1[col]] * fx;
                    float lower = plane[b + x0[col]] * (1 - fx) + plane[b + x1[col]] * fx;
                    target[row * size + col] = upper * (1 - fy) + lower * fy;
                }
            }
        }
    }

    // For each output index: the two source indices and the weight of the second, inside [offset, offset + length).
    private static (int[] Lo, int[] Hi, float[] W) Axis(int outLength, int length, int offset, int limit)
    {
        var lo = new int[outLength]; var hi = new int[outLength]; var w = new float[outLength];
        double scale = (double)length / outLength;
        for (int i = 0; i < outLength; i++)
        {
            double x = Math.Clamp((i + 0.5) * scale - 0.5, 0, length - 1);
            int f = (int)Math.Floor(x);
            lo[i] = offset + f;
            hi[i] = Math.Min(offset + f + 1, Math.Min(offset + length - 1, limit - 1));
            w[i] = (float)(x - f);
        }
        return (lo, hi, w);
    }
}
