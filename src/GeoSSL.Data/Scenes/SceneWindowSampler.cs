using System.Buffers;
using GeoSSL.Data.Records;

namespace GeoSSL.Data.Scenes;

/// <summary>
/// A fixed, deterministic list of square windows over co-registered multi-date scenes, and their pixels. Each window at
/// each date is one <see cref="GeoImageRecord"/> (same <see cref="GeoImageRecord.LocationId"/> across dates, lat/lon of the
/// window centre), so <c>TemporalPairSampler</c> (temporal positives) and <c>GeoClusterer</c> (geo clusters) work on
/// <see cref="Records"/> unchanged; <see cref="FillRecord(int, Span{float})"/> gives the pixels of record i.
/// </summary>
internal sealed class SceneWindowSampler
{
    private readonly (int Window, int Date)[] _recordSources;

    public IReadOnlyList<GeoScene> Scenes { get; }
    public IReadOnlyList<SceneWindow> Windows { get; }
    /// <summary>One record per (window, date), window-major: all dates of window 0, then window 1, ...</summary>
    public IReadOnlyList<GeoImageRecord> Records { get; }
    public int WindowSize { get; }
    public int Channels { get; }
    public IReadOnlyList<string> Bands => Scenes[0].Bands;
    /// <summary>Samples of one window at one date: Channels x WindowSize x WindowSize.</summary>
    public int SamplesPerWindow => Channels * WindowSize * WindowSize;

    private SceneWindowSampler(IReadOnlyList<GeoScene> scenes, int size, List<(int Scene, int X, int Y)> positions)
    {
        Scenes = scenes;
        WindowSize = size;
        Channels = scenes[0].Channels;
        Windows = positions.Select(p => MakeWindow(p.Scene, p.X, p.Y)).ToArray();
        var sources = new List<(int, int)>();
        var records = new List<GeoImageRecord>();
        for (int w = 0; w < Windows.Count; w++)
        {
            var window = Windows[w];
            var scene = scenes[window.SceneIndex];
            for (int d = 0; d < scene.DateCount; d++)
            {
                records.Add(new GeoImageRecord(records.Count, $"{scene.Source}#{window.X},{window.Y},{size}@t{d + 1}", window.LocationId,
                    window.Latitude, window.Longitude, scene.Dates[d]));
                sources.Add((w, d));
            }
        }
        Records = records;
        _recordSources = sources.ToArray();
    }

    /// <summary>
    /// <paramref name="count"/> windows drawn uniformly over every window position of every scene (so a scene's share grows
    /// with its area), with replacement, from <paramref name="seed"/>: the same seed gives the same windows. For a fresh draw
    /// per epoch pass e.g. seed + epoch.
    /// </summary>
    /// <exception cref="GeoDataException">The window is larger than a scene (named).</exception>
    public static SceneWindowSampler Random(IReadOnlyList<GeoScene> scenes, int windowSize, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Validate(scenes, windowSize);
        // cumulative number of window positions per scene; long because many large scenes overflow int
        var cumulative = new long[scenes.Count];
        long total = 0;
        for (int s = 0; s < scenes.Count; s++)
            cumulative[s] = total += (long)(scenes[s].Width - windowSize + 1) * (scenes[s].Height - windowSize + 1);
        var rng = new Random(seed);
        var positions = new List<(int, int, int)>(count);
        for (int i = 0; i < count; i++)
        {
            long k = rng.NextInt64(total);
            int s = Array.BinarySearch(cumulative, k + 1);
            if (s < 0) s = ~s;
            long local = k - (s == 0 ? 0 : cumulative[s - 1]);
            int columns = scenes[s].Width - windowSize + 1;
            positions.Add((s, (int)(local % columns), (int)(local / columns)));
        }
        return new SceneWindowSampler(scenes, windowSize, positions);
    }

    /// <summary>
    /// Windows on a regular grid with <paramref name="stride"/> px steps from each scene's top-left corner, scene by scene,
    /// row by row. Windows that would cross the right or bottom edge are left out (the strip beyond the last window is unused).
    /// </summary>
    /// <exception cref="GeoDataException">The window is larger than a scene (named).</exception>
    public static SceneWindowSampler Grid(IReadOnlyList<GeoScene> scenes, int windowSize, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        Validate(scenes, windowSize);
        var positions = new List<(int, int, int)>();
        for (int s = 0; s < scenes.Count; s++)
            for (int y = 0; y + windowSize <= scenes[s].Height; y += stride)
                for (int x = 0; x + windowSize <= scenes[s].Width; x += stride)
                    positions.Add((s, x, y));
        return new SceneWindowSampler(scenes, windowSize, positions);
    }

    /// <summary>Windows at the given top-left positions (scene index, x, y), in that order, e.g. fixed evaluation windows.</summary>
    /// <exception cref="GeoDataException">The window is larger than a scene, or a position puts it outside its scene (named).</exception>
    public static SceneWindowSampler At(IReadOnlyList<GeoScene> scenes, int windowSize, IEnumerable<(int SceneIndex, int X, int Y)> positions)
    {
        Validate(scenes, windowSize);
        var list = positions.ToList();
        foreach (var (s, x, y) in list)
        {
            if ((uint)s >= (uint)scenes.Count) throw new ArgumentOutOfRangeException(nameof(positions), s, $"Scene index {s} is not one of the {scenes.Count} scenes.");
            if (x < 0 || y < 0 || x + windowSize > scenes[s].Width || y + windowSize > scenes[s].Height)
                throw new GeoDataException($"A {windowSize} px window at ({x}, {y}) does not lie inside scene '{scenes[s].Name}' ({scenes[s].Width}x{scenes[s].Height} px).", filePath: scenes[s].Source);
        }
        return new SceneWindowSampler(scenes, windowSize, list);
    }

    /// <summary>Writes the raw samples of <paramref name="window"/> at date <paramref name="dateIndex"/>, planar [C, size, size].</summary>
    public void Fill(SceneWindow window, int dateIndex, Span<float> destination)
    {
        var scene = Scenes[window.SceneIndex];
        if ((uint)dateIndex >= (uint)scene.DateCount)
            throw new ArgumentOutOfRangeException(nameof(dateIndex), dateIndex, $"Scene '{scene.Name}' has {scene.DateCount} date(s).");
        if (window.X < 0 || window.Y < 0 || window.Size != WindowSize || window.X + window.Size > scene.Width || window.Y + window.Size > scene.Height)
            throw new ArgumentException($"Window {window.LocationId} ({window.Size} px) does not lie inside scene '{scene.Name}' ({scene.Width}x{scene.Height}) at this sampler's size {WindowSize}.", nameof(window));
        if (destination.Length < SamplesPerWindow) throw new ArgumentException($"Destination holds {destination.Length} samples; a window needs {SamplesPerWindow}.", nameof(destination));
        var source = scene.Samples(dateIndex).Span;
        int size = window.Size;
        for (int c = 0; c < Channels; c++)
            for (int row = 0; row < size; row++)
                source.Slice((c * scene.Height + window.Y + row) * scene.Width + window.X, size).CopyTo(destination.Slice((c * size + row) * size, size));
    }

    /// <summary>
    /// The window's samples as bytes (0..255), for 8-bit scenes such as the OSCD PNGs; the current training path takes planar bytes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The scene holds other values (e.g. Sentinel-2 reflectance), which need scaling first.</exception>
    public void Fill(SceneWindow window, int dateIndex, Span<byte> destination)
    {
        var scene = Scenes[window.SceneIndex];
        if (!scene.IsByteValued)
            throw new InvalidOperationException($"Scene '{scene.Name}' holds {string.Join(",", scene.Bands)} samples that are not 8-bit values; fill floats instead.");
        if (destination.Length < SamplesPerWindow) throw new ArgumentException($"Destination holds {destination.Length} bytes; a window needs {SamplesPerWindow}.", nameof(destination));
        var buffer = ArrayPool<float>.Shared.Rent(SamplesPerWindow);
        try
        {
            Fill(window, dateIndex, buffer.AsSpan(0, SamplesPerWindow));
            SceneSamples.ToBytes(buffer.AsSpan(0, SamplesPerWindow), destination);
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>The window and date behind record <paramref name="record"/> of <see cref="Records"/>.</summary>
    public (SceneWindow Window, int DateIndex) RecordSource(int record)
    {
        var (w, d) = _recordSources[record];
        return (Windows[w], d);
    }

    /// <summary>Writes the samples of record <paramref name="record"/> (its window at its date), planar [C, size, size].</summary>
    public void FillRecord(int record, Span<float> destination)
    {
        var (window, date) = RecordSource(record);
        Fill(window, date, destination);
    }

    /// <inheritdoc cref="Fill(SceneWindow, int, Span{byte})"/>
    public void FillRecord(int record, Span<byte> destination)
    {
        var (window, date) = RecordSource(record);
        Fill(window, date, destination);
    }

    private SceneWindow MakeWindow(int sceneIndex, int x, int y)
    {
        var scene = Scenes[sceneIndex];
        var (lat, lon) = scene.PixelToLatLon(x + WindowSize / 2.0, y + WindowSize / 2.0);
        return new SceneWindow(sceneIndex, x, y, WindowSize, lat, lon, $"{scene.Name}@{x},{y}");
    }

    private static void Validate(IReadOnlyList<GeoScene> scenes, int windowSize)
    {
        if (scenes.Count == 0) throw new ArgumentException("No scenes to sample windows from.", nameof(scenes));
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        foreach (var scene in scenes)
        {
            if (windowSize > scene.Width || windowSize > scene.Height)
                throw new GeoDataException($"Window size {windowSize} px is larger than scene '{scene.Name}' ({scene.Width}x{scene.Height} px, '{scene.Source}').", filePath: scene.Source);
            if (!scene.Bands.SequenceEqual(scenes[0].Bands))
                throw new GeoDataException($"Scene '{scene.Name}' has bands {string.Join(",", scene.Bands)} but scene '{scenes[0].Name}' has {string.Join(",", scenes[0].Bands)}; windows of one sampler must share the bands.", filePath: scene.Source);
        }
        var names = scenes.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (names is not null) throw new ArgumentException($"Two scenes are named '{names.Key}'; location ids would collide.", nameof(scenes));
    }
}
