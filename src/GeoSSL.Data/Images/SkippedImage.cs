namespace GeoSSL.Data.Images;

/// <summary>An image left out because it could not be read (missing, empty, not an image, truncated or corrupt).</summary>
/// <param name="Index">Position in the list of images given to the decoder.</param>
/// <param name="Row">Row of the input it came from, when known.</param>
/// <param name="FilePath">The file, when the image came from one.</param>
/// <param name="Reason">The error that would have stopped the run.</param>
internal sealed record SkippedImage(int Index, long? Row, string? FilePath, string Reason);
