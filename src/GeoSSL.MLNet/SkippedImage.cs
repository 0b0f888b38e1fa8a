namespace GeoSSL.MLNet;

/// <summary>An image left out of a run because it could not be read (missing, empty, not an image, truncated or corrupt).</summary>
/// <param name="Row">Row of the input it came from, when known.</param>
/// <param name="FilePath">The file, when the image came from one.</param>
/// <param name="Reason">The error that would have stopped the run.</param>
public sealed record SkippedImage(long? Row, string? FilePath, string Reason)
{
    internal static IReadOnlyList<SkippedImage> From(IReadOnlyList<Data.Images.SkippedImage> skipped) =>
        skipped.Select(s => new SkippedImage(s.Row, s.FilePath, s.Reason)).ToList();
}
