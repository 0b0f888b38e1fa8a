namespace GeoSSL.Data.Dense;

/// <summary>
/// One training window: scene <see cref="SceneIndex"/> of the sampler, top-left pixel (<see cref="X"/>, <see cref="Y"/>),
/// side <see cref="Size"/>, and the augmentation applied identically to every date and the mask.
/// <see cref="ChangeBiased"/> tells whether it was placed to contain a positive pixel.
/// </summary>
internal sealed record DenseWindow(int SceneIndex, int X, int Y, int Size, DenseAugmentation Augmentation, bool ChangeBiased);
