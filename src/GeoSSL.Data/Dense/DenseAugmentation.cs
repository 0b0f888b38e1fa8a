namespace GeoSSL.Data.Dense;

/// <summary>
/// A geometric augmentation of a square window that moves whole pixels only (no resampling, so a mask stays a valid mask and
/// both dates stay co-registered): flip left-right, then flip top-bottom, then rotate 90° counter-clockwise
/// <see cref="Rotations"/> times (numpy's rot90 convention).
/// </summary>
internal readonly record struct DenseAugmentation(bool FlipHorizontal, bool FlipVertical, int Rotations)
{
    /// <summary>No change.</summary>
    public static DenseAugmentation Identity => default;

    /// <summary>
    /// For each output pixel index r*size+c of a size x size window, the index of the input pixel it is copied from.
    /// Applying it to every channel of every date and to the mask keeps the three aligned.
    /// </summary>
    public int[] SourceIndices(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if ((uint)Rotations > 3) throw new ArgumentOutOfRangeException(nameof(Rotations), Rotations, "Rotations must be 0..3.");
        var map = new int[size * size];
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                // undo the steps in reverse order: rotations, then the vertical flip, then the horizontal flip
                int sr = r, sc = c;
                for (int k = 0; k < Rotations; k++) (sr, sc) = (sc, size - 1 - sr); // rot90 CCW: out[r, c] = in[c, size-1-r]
                if (FlipVertical) sr = size - 1 - sr;
                if (FlipHorizontal) sc = size - 1 - sc;
                map[r * size + c] = sr * size + sc;
            }
        return map;
    }

    public override string ToString() => $"{(FlipHorizontal ? "flipH " : "")}{(FlipVertical ? "flipV " : "")}rot{Rotations * 90}";
}
