using System.Collections.Concurrent;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Dense;

/// <summary>
/// Random training windows for dense tasks (change detection, segmentation) over labelled scenes. Window (epoch, index) is
/// a pure function of (seed, epoch, index): its position, its augmentation (flip H/V, rot90 k, drawn uniformly and applied
/// identically to every date and the mask, whole pixels only) and whether it is change-biased. With probability
/// <see cref="ChangeBias"/> the window is placed to contain a random positive (non-zero mask) pixel, at a uniformly random
/// spot inside it (not always the centre, so the model learns no "change is in the middle" prior), because positives are
/// 0.3-3.8 % of OSCD pixels and uniform windows are mostly all-negative. Otherwise the position is uniform over every
/// window position of every scene (a scene's share grows with its area). Samples are the scenes' raw values (PNG: 0..255).
/// </summary>
internal sealed class DenseWindowSampler
{
    private readonly long[] _cumulativePositions;
    private readonly long[] _cumulativePositives;
    private readonly int[][] _positives;
    // per (augmentation, scene width): output pixel -> offset from the window's top-left in the scene's plane; at most 8 x scenes
    private readonly ConcurrentDictionary<(DenseAugmentation, int), int[]> _offsets = new();

    public IReadOnlyList<DenseScene> Scenes { get; }
    public int WindowSize { get; }
    public int Seed { get; }
    /// <summary>Probability that a window is placed on a positive pixel (0 = uniform windows).</summary>
    public double ChangeBias { get; }
    /// <summary>False = every window has <see cref="DenseAugmentation.Identity"/> (e.g. validation windows).</summary>
    public bool Augment { get; }
    public int Channels { get; }
    public int DateCount { get; }
    /// <summary>Samples of one date of one window: Channels x WindowSize x WindowSize.</summary>
    public int SamplesPerDate => Channels * WindowSize * WindowSize;
    /// <summary>Mask bytes of one window: WindowSize x WindowSize.</summary>
    public int MaskPixels => WindowSize * WindowSize;

    /// <exception cref="GeoDataException">The window is larger than a scene, or scenes differ in bands or number of dates (named).</exception>
    public DenseWindowSampler(IReadOnlyList<DenseScene> scenes, int windowSize, int seed, double changeBias = 0.0, bool augment = true)
    {
        if (scenes.Count == 0) throw new ArgumentException("No scenes to sample windows from.", nameof(scenes));
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        if (!(changeBias >= 0 && changeBias <= 1)) throw new ArgumentOutOfRangeException(nameof(changeBias), changeBias, "Must be 0..1.");
        foreach (var s in scenes)
        {
            if (windowSize > s.Width || windowSize > s.Height)
                throw new GeoDataException($"Window size {windowSize} px is larger than scene '{s.Name}' ({s.Width}x{s.Height} px).", filePath: s.Scene.Source);
            if (!s.Scene.Bands.SequenceEqual(scenes[0].Scene.Bands) || s.DateCount != scenes[0].DateCount)
                throw new GeoDataException($"Scene '{s.Name}' has {s.DateCount} date(s) of {string.Join(",", s.Scene.Bands)} but scene '{scenes[0].Name}' has " +
                    $"{scenes[0].DateCount} of {string.Join(",", scenes[0].Scene.Bands)}; windows of one sampler must share them.", filePath: s.Scene.Source);
        }
        Scenes = scenes;
        WindowSize = windowSize;
        Seed = seed;
        ChangeBias = changeBias;
        Augment = augment;
        Channels = scenes[0].Scene.Channels;
        DateCount = scenes[0].DateCount;
        _cumulativePositions = new long[scenes.Count];
        _cumulativePositives = new long[scenes.Count];
        _positives = new int[scenes.Count][];
        long positions = 0, positives = 0;
        for (int i = 0; i < scenes.Count; i++)
        {
            positions += (long)(scenes[i].Width - windowSize + 1) * (scenes[i].Height - windowSize + 1);
            _cumulativePositions[i] = positions;
            // pixel indices of positives: a few percent of the pixels, so a plain list is cheap and makes the draw O(log scenes)
            var mask = scenes[i].Mask.Span;
            var list = new List<int>();
            for (int p = 0; p < mask.Length; p++) if (mask[p] != 0) list.Add(p);
            _positives[i] = list.ToArray();
            positives += list.Count;
            _cumulativePositives[i] = positives;
        }
    }

    /// <summary>Positive (non-zero mask) pixels over all scenes: the pool change-biased windows are placed on.</summary>
    public long PositivePixels => _cumulativePositives[^1];

    /// <summary>Window <paramref name="index"/> of <paramref name="epoch"/>: the same three numbers and seed always give the same window.</summary>
    public DenseWindow Draw(int epoch, long index)
    {
        var rng = new WindowRandom(Seed, epoch, index);
        bool biased = ChangeBias > 0 && PositivePixels > 0 && rng.NextDouble() < ChangeBias;
        int scene, x, y;
        if (biased)
        {
            long k = rng.NextLong(PositivePixels);
            scene = Find(_cumulativePositives, k);
            int pixel = _positives[scene][k - (scene == 0 ? 0 : _cumulativePositives[scene - 1])];
            var s = Scenes[scene];
            int px = pixel % s.Width, py = pixel / s.Width;
            // the positive lands at a uniform offset inside the window; clamping to the scene keeps it inside, as
            // px - offset < 0 clamps to 0 ≤ px and px - offset > W - S clamps to W - S < px
            x = Math.Clamp(px - (int)rng.NextLong(WindowSize), 0, s.Width - WindowSize);
            y = Math.Clamp(py - (int)rng.NextLong(WindowSize), 0, s.Height - WindowSize);
        }
        else
        {
            long k = rng.NextLong(_cumulativePositions[^1]);
            scene = Find(_cumulativePositions, k);
            long local = k - (scene == 0 ? 0 : _cumulativePositions[scene - 1]);
            int columns = Scenes[scene].Width - WindowSize + 1;
            x = (int)(local % columns);
            y = (int)(local / columns);
        }
        var augmentation = DenseAugmentation.Identity;
        if (Augment)
        {
            ulong bits = rng.Next();
            augmentation = new DenseAugmentation((bits & 1) != 0, (bits & 2) != 0, (int)((bits >> 2) & 3));
        }
        return new DenseWindow(scene, x, y, WindowSize, augmentation, biased);
    }

    /// <summary>Writes date <paramref name="dateIndex"/> of <paramref name="window"/>, augmented, planar [C, S, S].</summary>
    public void FillDate(DenseWindow window, int dateIndex, Span<float> destination)
    {
        var scene = Check(window);
        if ((uint)dateIndex >= (uint)DateCount) throw new ArgumentOutOfRangeException(nameof(dateIndex), dateIndex, $"The scenes have {DateCount} date(s).");
        if (destination.Length < SamplesPerDate) throw new ArgumentException($"Destination holds {destination.Length} samples; a window date needs {SamplesPerDate}.", nameof(destination));
        var source = scene.Scene.Samples(dateIndex).Span;
        var offsets = Offsets(window.Augmentation, scene.Width);
        int plane = scene.Height * scene.Width, corner = window.Y * scene.Width + window.X, n = MaskPixels;
        for (int c = 0; c < Channels; c++)
        {
            var from = source.Slice(c * plane + corner);
            var output = destination.Slice(c * n, n);
            for (int o = 0; o < n; o++) output[o] = from[offsets[o]];
        }
    }

    /// <summary>Writes the mask of <paramref name="window"/>, augmented exactly like its dates, [S, S] class values.</summary>
    public void FillMask(DenseWindow window, Span<byte> destination)
    {
        var scene = Check(window);
        if (destination.Length < MaskPixels) throw new ArgumentException($"Destination holds {destination.Length} bytes; a window mask needs {MaskPixels}.", nameof(destination));
        var from = scene.Mask.Span.Slice(window.Y * scene.Width + window.X);
        var offsets = Offsets(window.Augmentation, scene.Width);
        for (int o = 0; o < offsets.Length; o++) destination[o] = from[offsets[o]];
    }

    /// <summary>Draws window (<paramref name="epoch"/>, <paramref name="index"/>) of a change sampler (2 dates) and fills both dates and the mask.</summary>
    public DenseWindow Fill(int epoch, long index, Span<float> date1, Span<float> date2, Span<byte> mask)
    {
        RequireDates(2);
        var window = Draw(epoch, index);
        FillDate(window, 0, date1);
        FillDate(window, 1, date2);
        FillMask(window, mask);
        return window;
    }

    /// <summary>
    /// A batch of a change sampler: window indices[b] of <paramref name="epoch"/> into contiguous buffers date1 and date2
    /// [B, C, S, S] and mask [B, S, S], ready to become tensors. Returns the windows drawn.
    /// </summary>
    public DenseWindow[] FillBatch(int epoch, ReadOnlySpan<long> indices, Span<float> date1, Span<float> date2, Span<byte> mask)
    {
        RequireDates(2);
        CheckBatch(indices.Length, date1.Length, nameof(date1));
        CheckBatch(indices.Length, date2.Length, nameof(date2));
        if (mask.Length < indices.Length * MaskPixels) throw new ArgumentException($"Mask buffer holds {mask.Length} bytes; {indices.Length} windows need {indices.Length * MaskPixels}.", nameof(mask));
        var windows = new DenseWindow[indices.Length];
        for (int b = 0; b < indices.Length; b++)
            windows[b] = Fill(epoch, indices[b], date1.Slice(b * SamplesPerDate, SamplesPerDate), date2.Slice(b * SamplesPerDate, SamplesPerDate),
                mask.Slice(b * MaskPixels, MaskPixels));
        return windows;
    }

    /// <summary>
    /// A batch for any number of dates (e.g. 1 for segmentation): dates[d] is date d's buffer [B, C, S, S]; mask [B, S, S].
    /// </summary>
    public DenseWindow[] FillBatch(int epoch, ReadOnlySpan<long> indices, IReadOnlyList<Memory<float>> dates, Span<byte> mask)
    {
        if (dates.Count != DateCount) throw new ArgumentException($"Got {dates.Count} date buffer(s); the scenes have {DateCount} date(s).", nameof(dates));
        for (int d = 0; d < dates.Count; d++) CheckBatch(indices.Length, dates[d].Length, $"dates[{d}]");
        if (mask.Length < indices.Length * MaskPixels) throw new ArgumentException($"Mask buffer holds {mask.Length} bytes; {indices.Length} windows need {indices.Length * MaskPixels}.", nameof(mask));
        var windows = new DenseWindow[indices.Length];
        for (int b = 0; b < indices.Length; b++)
        {
            var window = windows[b] = Draw(epoch, indices[b]);
            for (int d = 0; d < DateCount; d++) FillDate(window, d, dates[d].Span.Slice(b * SamplesPerDate, SamplesPerDate));
            FillMask(window, mask.Slice(b * MaskPixels, MaskPixels));
        }
        return windows;
    }

    private int[] Offsets(DenseAugmentation a, int sceneWidth) => _offsets.GetOrAdd((a, sceneWidth), key =>
    {
        var map = key.Item1.SourceIndices(WindowSize);
        for (int o = 0; o < map.Length; o++) map[o] = map[o] / WindowSize * key.Item2 + map[o] % WindowSize;
        return map;
    });

    private DenseScene Check(DenseWindow window)
    {
        if ((uint)window.SceneIndex >= (uint)Scenes.Count) throw new ArgumentOutOfRangeException(nameof(window), window.SceneIndex, $"Scene index is not one of the {Scenes.Count} scenes.");
        var scene = Scenes[window.SceneIndex];
        if (window.Size != WindowSize || window.X < 0 || window.Y < 0 || window.X + WindowSize > scene.Width || window.Y + WindowSize > scene.Height)
            throw new ArgumentException($"Window {window} does not lie inside scene '{scene.Name}' ({scene.Width}x{scene.Height}) at this sampler's size {WindowSize}.", nameof(window));
        return scene;
    }

    private void RequireDates(int count)
    {
        if (DateCount != count) throw new InvalidOperationException($"This overload is for {count}-date scenes; these have {DateCount}. Use FillBatch with a list of date buffers.");
    }

    private void CheckBatch(int windows, int length, string name)
    {
        if (length < (long)windows * SamplesPerDate) throw new ArgumentException($"Buffer {name} holds {length} samples; {windows} windows need {(long)windows * SamplesPerDate}.", name);
    }

    /// <summary>The first i with cumulative[i] &gt; k. Not Array.BinarySearch: a scene without positives repeats the previous
    /// total, and BinarySearch may return any of equal entries, i.e. a scene with nothing to draw.</summary>
    private static int Find(long[] cumulative, long k)
    {
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > k) hi = mid; else lo = mid + 1;
        }
        return lo;
    }
}
