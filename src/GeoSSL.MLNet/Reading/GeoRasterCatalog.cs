using Microsoft.ML.Transforms.Image;
using GeoSSL.Data.Input;
using GeoSSL.Data.Rasters;
using GeoSSL.Data.Scenes;
using GeoSSL.MLNet.Reading;

// In ML.NET's namespace, like ML.NET's own catalog extensions, so `mlContext.Data.` finds them without a using.
namespace Microsoft.ML;

/// <summary>
/// Loading rasters as tensor image columns on <c>mlContext.Data</c>: windows of co-registered scenes for pretraining, and
/// whole GeoTIFFs for featurizing and classifying. The image column ("Image") is a float vector [C, H, W] of raw samples, the
/// route <c>GeoContrastivePretrain</c> and <c>GeoFeaturizeImage</c> take for anything that is not 8-bit RGB. A saved
/// featurizer starts at that column and loads with plain <c>mlContext.Model.Load</c>: reading the rasters stays outside
/// the saved model (a raster-reading transform would need its assembly registered before every Load).
/// </summary>
public static class GeoRasterCatalog
{
    /// <summary>
    /// One row per (window, date) of a <see cref="SceneWindowSampler"/>: Image [C, size, size], ImagePath (scene#x,y,size@tN),
    /// LocationId (the window: the same at every date, so temporal positives are the same ground at another date), the window
    /// centre's Latitude/Longitude (geo clusters) and Timestamp. Pixels are read when a cursor reaches the row.
    /// </summary>
    /// <param name="sceneFolders">Sentinel-2 city folders (per-band GeoTIFFs of one or more dates, as OSCD releases them), or one
    /// folder of co-registered RGB scenes in OSCD's change layout (with a manifest.csv).</param>
    /// <param name="windowSize">Side of a window in pixels.</param>
    /// <param name="windows">Windows drawn at random positions (each gives one row per date).</param>
    /// <param name="bands">Sentinel-2 bands to stack, comma-separated (e.g. "B02,B03,B04,B08"), or "all" for the 13.</param>
    /// <param name="seed">Seed of the window positions.</param>
    /// <exception cref="GeoSSL.Data.Records.GeoDataException">When a scene cannot be read, naming the folder and file.</exception>
    public static IDataView LoadSceneWindows(this DataOperationsCatalog catalog, IReadOnlyList<string> sceneFolders, int windowSize = 64, int windows = 512,
        string bands = "B02,B03,B04,B08", int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(sceneFolders);
        if (sceneFolders.Count == 0) throw new ArgumentException("No scene folders given.", nameof(sceneFolders));
        return catalog.LoadSceneWindows(SceneWindowSampler.Random(GeoScene.FromFolders(sceneFolders, bands), windowSize, windows, seed));
    }

    internal static IDataView LoadSceneWindows(this DataOperationsCatalog catalog, SceneWindowSampler windows)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(windows);
        var records = windows.Records;
        return TensorRows.Create(catalog, records.Count, windows.Channels, windows.WindowSize, windows.WindowSize,
            i =>
            {
                var row = new GeoTensorRow
                {
                    Image = new float[windows.SamplesPerWindow], ImagePath = records[i].ImagePath, LocationId = records[i].LocationId,
                    Latitude = records[i].Latitude, Longitude = records[i].Longitude, Timestamp = records[i].Timestamp ?? DateTime.MinValue,
                };
                windows.FillRecord(i, row.Image);
                return row;
            });
    }

    /// <summary>
    /// GeoTIFF rasters as rows: Image [C, size, size] (each raster centre-cropped to a square and resized bilinearly, or
    /// stretched), ImagePath, LocationId (the path), and the raster centre's Latitude/Longitude from its georeferencing.
    /// A path may be a multi-band GeoTIFF or a folder of Sentinel-2 per-band files (stacked on the 10 m grid).
    /// </summary>
    /// <param name="paths">Multi-band GeoTIFF files or Sentinel-2 band folders.</param>
    /// <param name="size">Side in pixels each raster is read at.</param>
    /// <param name="bands">File rasters: names for their bands (null: band1..bandN). Sentinel-2 folders: bands to stack (null: B02,B03,B04,B08).</param>
    /// <param name="resize">How a raster of another shape becomes size x size: <see cref="ImageResizingEstimator.ResizingKind.IsoCrop"/>
    /// (default: scale the shorter side, cut the centre) or <see cref="ImageResizingEstimator.ResizingKind.Fill"/> (stretch).</param>
    /// <exception cref="GeoSSL.Data.Records.GeoDataException">When a cursor reaches an unreadable raster, naming its row and file.</exception>
    public static IDataView LoadGeoTiffs(this DataOperationsCatalog catalog, IReadOnlyList<string> paths, int size, IReadOnlyList<string>? bands = null,
        ImageResizingEstimator.ResizingKind resize = ImageResizingEstimator.ResizingKind.IsoCrop)
        => catalog.LoadGeoTiffs(paths, size, bands, resize switch
        {
            ImageResizingEstimator.ResizingKind.IsoCrop => ResizeMode.CenterCrop,
            ImageResizingEstimator.ResizingKind.Fill => ResizeMode.Stretch,
            _ => throw new ArgumentOutOfRangeException(nameof(resize), resize, "Rasters are resized with IsoCrop (centre crop) or Fill (stretch); IsoPad is not supported."),
        });

    internal static IDataView LoadGeoTiffs(this DataOperationsCatalog catalog, IReadOnlyList<string> paths, int size, IReadOnlyList<string>? bands, ResizeMode resize)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0) throw new ArgumentException("No raster paths given.", nameof(paths));
        // The first raster fixes the channel count of the column (and fails early if it cannot be read).
        var first = RasterTensorReader.Read(paths[0], bands, size, resize, row: 0);
        int channels = first.Bands.Count;
        RasterTensor Get(int i) => i == 0 ? first : RasterTensorReader.Read(paths[i], bands, size, resize, row: i);
        return TensorRows.Create(catalog, paths.Count, channels, size, size,
            i =>
            {
                var raster = Get(i);
                if (raster.Bands.Count != channels)
                    throw new GeoSSL.Data.Records.GeoDataException($"Row {i}: raster '{paths[i]}' has {raster.Bands.Count} bands; the first raster has {channels}.", i, filePath: paths[i]);
                return new GeoTensorRow
                {
                    Image = raster.Samples, ImagePath = paths[i], LocationId = paths[i], Latitude = raster.Latitude, Longitude = raster.Longitude,
                };
            });
    }
}
