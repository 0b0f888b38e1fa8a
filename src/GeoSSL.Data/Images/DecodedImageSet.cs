namespace GeoSSL.Data.Images;

/// <summary>
/// All images of a run decoded once, in parallel, into one contiguous planar buffer of raw samples (bytes for 8-bit
/// images, float32 for other sample types; see <see cref="Input.ImageInputSpec"/>). A few thousand 64x64 RGB tiles take
/// ~50 MB; decoding once removes file I/O and PNG inflation from every training step.
/// </summary>
internal sealed class DecodedImageSet
{
    private readonly byte[] pixels;

    public int Count { get; }
    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }
    /// <summary>1 for 8-bit samples, 4 for float32 samples.</summary>
    public int BytesPerSample { get; }
    public int ImageBytes => Channels * Height * Width * BytesPerSample;

    private DecodedImageSet(byte[] pixels, int count, int height, int width, int channels, int bytesPerSample)
    {
        this.pixels = pixels; Count = count; Height = height; Width = width; Channels = channels; BytesPerSample = bytesPerSample;
    }

    /// <param name="load">Fills the span for image i (throws a GeoDataException naming the file on failure).</param>
    /// <param name="skipped">
    /// Null: every image is tried, then the unreadable one with the lowest index is thrown. Otherwise images whose load throws a
    /// <see cref="Records.GeoDataException"/> are left out of the set and listed here, lowest index first; the set
    /// then holds the other images in their order. Other exceptions always stop the decode.
    /// </param>
    /// <param name="cancellationToken">Stops the decode (OperationCanceledException) within the images already started.</param>
    /// <param name="channels">Samples per pixel (3 for RGB files).</param>
    /// <param name="bytesPerSample">1 for 8-bit samples, 4 for float32 samples.</param>
    public static DecodedImageSet Decode(int count, int height, int width, Action<int, Memory<byte>> load, IProgress<int>? progress = null,
        List<SkippedImage>? skipped = null, CancellationToken cancellationToken = default, int channels = ImageDecoder.Channels, int bytesPerSample = 1)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Need at least one channel.");
        if (bytesPerSample is not (1 or 4)) throw new ArgumentOutOfRangeException(nameof(bytesPerSample), bytesPerSample, "Samples are bytes (1) or float32 (4).");
        int size = checked(channels * height * width * bytesPerSample);
        long total = (long)count * size;
        if (total > Array.MaxLength)
            throw new Records.GeoDataException($"{count} images of {height}x{width} need {total / 1e9:F1} GB decoded, more than one .NET array holds " +
                $"({Array.MaxLength / 1e9:F1} GB): lower the image size or train on fewer rows.");
        var buffer = new byte[total];
        // Unreadable images are collected rather than thrown at once, so that the error reported (or the skip list) does not
        // depend on which thread met which file first: Parallel.For stops handing out images after the first exception.
        var failed = new Records.GeoDataException?[count];
        int done = 0;
        try
        {
            Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                try { load(i, buffer.AsMemory(i * size, size)); }
                catch (Records.GeoDataException e) { failed[i] = e; }
                int n = Interlocked.Increment(ref done);
                if (progress is not null && (n % 500 == 0 || n == count)) progress.Report(n);
            });
        }
        catch (AggregateException e)
        {
            // Report the failing image with the lowest row, whatever order the threads met the failures in.
            var first = e.Flatten().InnerExceptions.OrderBy(x => (x as Records.GeoDataException)?.Row ?? long.MaxValue).First();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
        if (failed.All(f => f is null)) return new DecodedImageSet(buffer, count, height, width, channels, bytesPerSample);
        if (skipped is null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failed.First(f => f is not null)!).Throw();
        // Move the readable images down over the gaps, in order.
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            if (failed[i] is { } f) { skipped.Add(new SkippedImage(i, f.Row, f.FilePath, f.Message)); continue; }
            if (kept != i) Buffer.BlockCopy(buffer, i * size, buffer, kept * size, size);
            kept++;
        }
        return new DecodedImageSet(buffer, kept, height, width, channels, bytesPerSample);
    }

    /// <param name="skipped">See <see cref="Decode"/>: null throws for the first unreadable file, otherwise unreadable files are left out and listed.</param>
    public static DecodedImageSet FromFiles(IReadOnlyList<string> paths, int height, int width, IReadOnlyList<long>? rows = null, IProgress<int>? progress = null,
        List<SkippedImage>? skipped = null, CancellationToken cancellationToken = default) =>
        Decode(paths.Count, height, width, (i, mem) => ImageDecoder.DecodeRgbPlanar(paths[i], height, width, mem.Span, rows?[i]), progress, skipped, cancellationToken);

    public ReadOnlySpan<byte> Image(int index) => pixels.AsSpan(checked(index * ImageBytes), ImageBytes);

    /// <summary>How the samples are held: bytes, or float32 for every other sample type.</summary>
    public Input.SampleType StoredAs => BytesPerSample == 1 ? Input.SampleType.Byte : Input.SampleType.Float32;
}
