using CoreAugmentation = GeoSSL.Core.Export.TestTimeAugmentation;

namespace GeoSSL.MLNet;

/// <summary>
/// Which symmetric views of an image a featurizer averages its features over. Overhead imagery has no "up": a mirrored
/// or rotated patch shows the same land cover. Each view costs one more encoder pass.
/// </summary>
public enum TestTimeAugmentation
{
    /// <summary>The image only (one pass).</summary>
    None = CoreAugmentation.None,
    /// <summary>The image and its left-right mirror (2 passes).</summary>
    HorizontalFlip = CoreAugmentation.HorizontalFlip,
    /// <summary>The image, its left-right and top-bottom mirrors, and both, i.e. rotated by 180° (4 passes).</summary>
    Flips = CoreAugmentation.Flips,
    /// <summary>All 8 rotations by 90° and reflections (8 passes); square images only.</summary>
    Dihedral = CoreAugmentation.Dihedral,
}
