using BitMiracle.LibTiff.Classic;

namespace GeoSSL.Data.Rasters;

/// <summary>
/// Opens a GeoTIFF and reads windows of one band without decoding the whole file: only the strips or tiles
/// that overlap the window are decoded. Striped and tiled, chunky (interleaved) and planar files; 8/16/32-bit
/// integers and 32/64-bit floats; any compression LibTiff decodes (none, LZW, Deflate, PackBits, ...).
/// Not thread-safe: use one reader per thread.
/// </summary>
internal sealed class GeoTiffReader : IDisposable
{
    private readonly Tiff _tiff;
    private byte[] _block = [];
    // The last decoded block stays in _block: consecutive small windows (pixel look-ups, row-by-row reads) then decode it once.
    private int _cachedBlock = -1;
    private int _cachedBytes;

    public GeoTiffInfo Info { get; }

    private GeoTiffReader(Tiff tiff, GeoTiffInfo info)
    {
        _tiff = tiff;
        Info = info;
    }

    /// <summary>Opens <paramref name="path"/>; throws FileNotFoundException or InvalidDataException naming the file when it is missing, not a TIFF, or of a layout this reader does not handle.</summary>
    public static GeoTiffReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"GeoTIFF '{full}' does not exist.", full);
        QuietTiffErrors.Install();
        QuietTiffErrors.TakeLast();
        var tiff = Tiff.Open(full, "r");
        if (tiff is null)
            throw new InvalidDataException($"'{full}' is not a readable TIFF file ({QuietTiffErrors.TakeLast() ?? "LibTiff could not open it"}).");
        try
        {
            return new GeoTiffReader(tiff, GeoTiffTags.ReadInfo(tiff, full));
        }
        catch
        {
            tiff.Dispose();
            throw;
        }
    }

    /// <summary>Reads the info of <paramref name="path"/> and closes it.</summary>
    public static GeoTiffInfo ReadInfo(string path)
    {
        using var reader = Open(path);
        return reader.Info;
    }

    /// <summary>Reads band <paramref name="band"/> (0-based) over the window into a new row-major float array of width*height.</summary>
    public float[] ReadWindow(int band, int x, int y, int width, int height)
    {
        var result = new float[checked(width * height)];
        ReadWindow(band, x, y, width, height, result);
        return result;
    }

    /// <summary>Reads the whole of band <paramref name="band"/> (0-based).</summary>
    public float[] ReadBand(int band) => ReadWindow(band, 0, 0, Info.Width, Info.Height);

    /// <summary>
    /// Reads band <paramref name="band"/> (0-based) over the window (x, y, width, height) into <paramref name="destination"/>, row-major.
    /// Values are converted to float, which is exact for 8/16-bit integers and float32 (32-bit integers above 2^24 round).
    /// </summary>
    public void ReadWindow(int band, int x, int y, int width, int height, Span<float> destination)
    {
        var info = Info;
        if (band < 0 || band >= info.BandCount)
            throw new ArgumentOutOfRangeException(nameof(band), $"'{info.Path}' has {info.BandCount} band(s) (0..{info.BandCount - 1}); band {band} was asked for.");
        if (width <= 0 || height <= 0 || x < 0 || y < 0 || x + width > info.Width || y + height > info.Height)
            throw new ArgumentOutOfRangeException(nameof(x),
                $"Window x={x} y={y} w={width} h={height} of '{info.Path}' must be non-empty and lie inside the {info.Width}x{info.Height} image.");
        if (destination.Length < width * height)
            throw new ArgumentException($"The destination holds {destination.Length} values; the {width}x{height} window needs {width * height}.", nameof(destination));

        int blockW = info.BlockWidth, blockH = info.BlockHeight;
        bool planar = info.PlanarLayout == RasterPlanarLayout.Planar;
        int samplesPerBlockPixel = planar ? 1 : info.BandCount;
        int sampleInPixel = planar ? 0 : band;
        short plane = (short)(planar ? band : 0);
        int bytesPerSample = info.BytesPerSample;

        int blockSize = info.IsTiled ? _tiff.TileSize() : _tiff.StripSize();
        if (_block.Length < blockSize)
        {
            _block = new byte[blockSize];
            _cachedBlock = -1;
        }

        for (int by = y / blockH * blockH; by < y + height; by += blockH)
        {
            for (int bx = x / blockW * blockW; bx < x + width; bx += blockW)
            {
                int blockIndex = info.IsTiled ? _tiff.ComputeTile(bx, by, 0, plane) : _tiff.ComputeStrip(by, plane);
                if (blockIndex != _cachedBlock)
                {
                    _cachedBlock = -1;
                    int decoded = info.IsTiled
                        ? _tiff.ReadEncodedTile(blockIndex, _block, 0, -1)
                        : _tiff.ReadEncodedStrip(blockIndex, _block, 0, -1);
                    if (decoded < 0)
                        throw new InvalidDataException(
                            $"Could not decode the {(info.IsTiled ? "tile" : "strip")} at x={bx} y={by} of band {band} in '{info.Path}' ({QuietTiffErrors.TakeLast() ?? "LibTiff read error"}).");
                    _cachedBlock = blockIndex;
                    _cachedBytes = decoded;
                }
                int bytes = _cachedBytes;

                int x0 = Math.Max(x, bx), x1 = Math.Min(x + width, bx + blockW);
                int y0 = Math.Max(y, by), y1 = Math.Min(y + height, Math.Min(by + blockH, info.Height));
                for (int row = y0; row < y1; row++)
                {
                    int sampleIndex = ((row - by) * blockW + (x0 - bx)) * samplesPerBlockPixel + sampleInPixel;
                    if ((sampleIndex + (x1 - x0 - 1) * samplesPerBlockPixel + 1) * bytesPerSample > bytes)
                        throw new InvalidDataException($"The {(info.IsTiled ? "tile" : "strip")} at x={bx} y={by} of '{info.Path}' decoded to {bytes} bytes, fewer than its layout needs.");
                    var target = destination.Slice((row - y) * width + (x0 - x), x1 - x0);
                    SampleConverter.Copy(_block, sampleIndex, samplesPerBlockPixel, info.SampleFormat, info.BitsPerSample, target);
                }
            }
        }
    }

    public void Dispose() => _tiff.Dispose();
}
