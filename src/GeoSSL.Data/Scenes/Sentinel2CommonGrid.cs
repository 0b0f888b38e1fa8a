using GeoSSL.Data.Rasters;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Scenes;

/// <summary>
/// The extent all dates of a scene cover, on the first date's pixel grid. The dates must share the coordinate system and
/// pixel size and be offset by whole pixels (true of one Sentinel-2 tile cut on one grid); only their sizes may differ.
/// Windows then mean the same ground at every date without resampling.
/// </summary>
internal sealed class Sentinel2CommonGrid
{
    private const double PixelTolerance = 1e-3; // offsets are whole pixels up to float noise in the tags

    private readonly (int X, int Y)[] _offsets; // this grid's top-left in each date's pixels

    public int Width { get; }
    public int Height { get; }
    public GeoTransform Transform { get; }

    private Sentinel2CommonGrid((int X, int Y)[] offsets, int width, int height, GeoTransform transform)
    {
        _offsets = offsets;
        Width = width;
        Height = height;
        Transform = transform;
    }

    public static Sentinel2CommonGrid Find(string folder, IReadOnlyList<BandStack> stacks)
    {
        var first = stacks[0];
        var t = first.Transform;
        // Date d covers first-grid columns [left_d, left_d + W_d): intersect those ranges.
        var lefts = new (int X, int Y)[stacks.Count];
        int x0 = 0, y0 = 0, x1 = first.Width, y1 = first.Height;
        for (int d = 1; d < stacks.Count; d++)
        {
            var s = stacks[d];
            if (s.EpsgCode != first.EpsgCode || !Close(s.Transform.PixelWidth, t.PixelWidth) || !Close(s.Transform.PixelHeight, t.PixelHeight)
                || s.Transform.RowRotation != t.RowRotation || s.Transform.ColumnRotation != t.ColumnRotation)
                throw new GeoDataException($"Scene '{folder}': date {d + 1}'s grid (EPSG:{s.EpsgCode}, {s.Transform}) differs from date 1's " +
                    $"(EPSG:{first.EpsgCode}, {t}) in coordinate system or pixel size; the dates must be co-registered.", filePath: folder);
            var (col, row) = t.MapToPixel(s.Transform.OriginX, s.Transform.OriginY);
            if (Math.Abs(col - Math.Round(col)) > PixelTolerance || Math.Abs(row - Math.Round(row)) > PixelTolerance)
                throw new GeoDataException($"Scene '{folder}': date {d + 1}'s grid is offset from date 1's by ({col:F3}, {row:F3}) px, not whole pixels.", filePath: folder);
            lefts[d] = ((int)Math.Round(col), (int)Math.Round(row));
            x0 = Math.Max(x0, lefts[d].X);
            y0 = Math.Max(y0, lefts[d].Y);
            x1 = Math.Min(x1, lefts[d].X + s.Width);
            y1 = Math.Min(y1, lefts[d].Y + s.Height);
        }
        if (x1 <= x0 || y1 <= y0) throw new GeoDataException($"Scene '{folder}': the dates' rasters do not overlap.", filePath: folder);
        var offsets = lefts.Select(l => (x0 - l.X, y0 - l.Y)).ToArray();
        var (ox, oy) = t.PixelToMap(x0, y0);
        return new Sentinel2CommonGrid(offsets, x1 - x0, y1 - y0, t with { OriginX = ox, OriginY = oy });
    }

    /// <summary>Date <paramref name="date"/>'s samples on this grid (the stack's own array when nothing is cut).</summary>
    public float[] Crop(BandStack stack, int date)
    {
        var (ox, oy) = _offsets[date];
        if (ox == 0 && oy == 0 && stack.Width == Width && stack.Height == Height) return stack.Data;
        var result = new float[checked(stack.Channels * Width * Height)];
        for (int c = 0; c < stack.Channels; c++)
            for (int y = 0; y < Height; y++)
                stack.Data.AsSpan((c * stack.Height + oy + y) * stack.Width + ox, Width).CopyTo(result.AsSpan((c * Height + y) * Width, Width));
        return result;
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));
}
