namespace GeoSSL.Core.Export;

/// <summary>
/// Which symmetric views of an image the exported encoder averages its features over. Overhead imagery has no "up":
/// a mirrored or rotated patch shows the same land cover, so averaging over those views removes the encoder's
/// orientation preferences. Each view is one more encoder pass.
/// </summary>
internal enum TestTimeAugmentation
{
    /// <summary>The image only.</summary>
    None = 0,
    /// <summary>The image and its left-right mirror (2 passes).</summary>
    HorizontalFlip = 1,
    /// <summary>The image, its left-right and top-bottom mirrors, and both (= rotation by 180°): 4 passes.</summary>
    Flips = 2,
    /// <summary>All 8 rotations by 90° and reflections (the flips of the image and of its transpose); square inputs only.</summary>
    Dihedral = 3,
}

internal static class TestTimeAugmentationExtensions
{
    /// <summary>Encoder passes per image.</summary>
    public static int Views(this TestTimeAugmentation augmentation) => augmentation switch
    {
        TestTimeAugmentation.None => 1,
        TestTimeAugmentation.HorizontalFlip => 2,
        TestTimeAugmentation.Flips => 4,
        TestTimeAugmentation.Dihedral => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(augmentation), augmentation, "Unknown test-time augmentation."),
    };
}
