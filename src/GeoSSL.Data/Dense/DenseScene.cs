using GeoSSL.Data.Scenes;

namespace GeoSSL.Data.Dense;

/// <summary>
/// A scene with a per-pixel label: one or more co-registered dates (<see cref="Scene"/>) and a mask of
/// <see cref="ClassCount"/> classes on the same grid, one byte per pixel holding the class 0..K-1.
/// Change detection is the case of 2 dates and K = 2 (1 = change); single-image segmentation is 1 date and any K.
/// One type serves both so the window sampler, split and overlay code need no second path.
/// Load with <see cref="FromOscdChange"/>, <see cref="FromChangeFiles"/> or <see cref="FromSegmentationFiles"/>.
/// </summary>
internal sealed partial class DenseScene
{
    private readonly byte[] _mask;

    /// <summary>The images (bands, dates, georeferencing) the mask labels.</summary>
    public GeoScene Scene { get; }
    /// <summary>Number of classes K; every mask value is 0..K-1.</summary>
    public int ClassCount { get; }
    /// <summary>The per-pixel class, [Height, Width] row-major.</summary>
    public ReadOnlyMemory<byte> Mask => _mask;
    /// <summary>Where the mask was read from (named in error messages and reports).</summary>
    public string MaskPath { get; }
    /// <summary>Pixels of each class, index = class.</summary>
    public IReadOnlyList<long> ClassPixels { get; }

    public string Name => Scene.Name;
    public int Height => Scene.Height;
    public int Width => Scene.Width;
    public int DateCount => Scene.DateCount;
    /// <summary>Fraction of pixels whose class is not 0: for change masks the change fraction (OSCD: 0.3-3.8 %).</summary>
    public double PositiveFraction => 1.0 - (double)ClassPixels[0] / ((long)Height * Width);

    internal DenseScene(GeoScene scene, byte[] mask, int classCount, string maskPath)
    {
        if (mask.LongLength != (long)scene.Height * scene.Width) throw new ArgumentException($"Mask of scene '{scene.Name}' is not {scene.Height}x{scene.Width}.");
        Scene = scene;
        _mask = mask;
        ClassCount = classCount;
        MaskPath = maskPath;
        var counts = new long[classCount];
        foreach (var v in mask) counts[v]++; // values were checked < K by the reader
        ClassPixels = counts;
    }

    /// <summary>The class of pixel (x, y).</summary>
    public byte this[int y, int x] => _mask[(long)y * Width + x];

    /// <summary>Bytes held by the images of all dates and the mask.</summary>
    public long MemoryBytes => Scene.SampleBytes + _mask.LongLength;

    public override string ToString() => $"{Scene}, {ClassCount}-class mask, {PositiveFraction:P2} non-zero";
}
