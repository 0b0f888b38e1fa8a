using GeoSSL.Data.Scenes;

namespace GeoSSL.Data.Dense;

internal sealed partial class DenseScene
{
    /// <summary>
    /// The OSCD change cities with their labels: <see cref="GeoScene.FromOscdChange"/> (t1.png, t2.png, manifest.csv) plus each
    /// city's change.png (any non-zero = change), as 2-date, 2-class scenes.
    /// </summary>
    /// <param name="cities">Only these cities (case-insensitive), in manifest order; null or empty = all.</param>
    /// <exception cref="Records.GeoDataException">Everything <see cref="GeoScene.FromOscdChange"/> reports, and a missing,
    /// unreadable or differently sized change.png; the message names the file.</exception>
    public static IReadOnlyList<DenseScene> FromOscdChange(string folder, IEnumerable<string>? cities = null) =>
        GeoScene.FromOscdChange(folder, cities).Select(scene =>
        {
            var maskPath = Path.Combine(scene.Source, "change.png");
            return new DenseScene(scene, MaskReader.ReadBinary(maskPath, scene.Name, scene.Width, scene.Height), 2, maskPath);
        }).ToList();

    /// <summary>
    /// An OSCD Sentinel-2 city as released (<see cref="GeoScene.FromSentinel2(string, string)"/>: one GeoTIFF per band and date,
    /// <paramref name="bands"/> stacked on the 10 m grid as reflectance x 10000) with its change label <c>&lt;city&gt;-cm.tif</c>
    /// (OSCD's coding: 1 = no change, 2 = change), as a 2-date, 2-class scene: multispectral change detection.
    /// </summary>
    /// <exception cref="Records.GeoDataException">Everything <see cref="GeoScene.FromSentinel2(string, string)"/> reports, and a
    /// missing, unreadable or differently sized label, or a value other than 1 or 2; the message names the file.</exception>
    public static DenseScene FromSentinel2Change(string cityFolder, string bands)
    {
        var scene = GeoScene.FromSentinel2(cityFolder, bands);
        var maskPath = Path.Combine(scene.Source, $"{scene.Name}-cm.tif");
        return new DenseScene(scene, MaskReader.ReadOscdChangeTiff(maskPath, scene.Name, scene.Width, scene.Height), 2, maskPath);
    }

    /// <summary>
    /// A change scene from the user's own files: two co-registered RGB images of the same size and a change mask of that size
    /// (any non-zero = change). The files carry no location, so the scene's lat/lon are NaN.
    /// </summary>
    /// <exception cref="Records.GeoDataException">A missing or unreadable file, or sizes that differ; the message names the file.</exception>
    public static DenseScene FromChangeFiles(string name, string t1Path, string t2Path, string maskPath)
    {
        var scene = GeoScene.FromRgbFiles(name, [t1Path, t2Path]);
        var full = Path.GetFullPath(maskPath);
        return new DenseScene(scene, MaskReader.ReadBinary(full, name, scene.Width, scene.Height), 2, full);
    }

    /// <summary>
    /// A single-image segmentation scene: an RGB image and a grey mask of the same size whose value is the class
    /// 0..<paramref name="classCount"/>-1 (e.g. 0/1 for a binary mask; a 0/255 mask is rejected rather than guessed).
    /// </summary>
    /// <exception cref="Records.GeoDataException">A missing or unreadable file, a size mismatch, a coloured mask pixel or a
    /// value ≥ <paramref name="classCount"/>; the message names the file and the pixel.</exception>
    public static DenseScene FromSegmentationFiles(string name, string imagePath, string maskPath, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        var scene = GeoScene.FromRgbFiles(name, [imagePath]);
        var full = Path.GetFullPath(maskPath);
        return new DenseScene(scene, MaskReader.ReadClasses(full, name, scene.Width, scene.Height, classCount), classCount, full);
    }
}
