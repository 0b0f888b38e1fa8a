namespace GeoSSL.Data.Manifests;

/// <summary>
/// Which manifest columns hold what, and the folder relative image paths are resolved against. The defaults are the
/// pretraining estimator's (GeoContrastivePretrainEstimator.Options), so one manifest serves both.
/// </summary>
internal sealed record ManifestColumns
{
    /// <summary>Image path (text); relative paths are resolved against <see cref="ImageFolder"/>. Default "ImagePath".</summary>
    public string ImagePath { get; init; } = "ImagePath";
    /// <summary>Location (ground footprint) shared by the images of one place over time (text or integer). Default "LocationId".</summary>
    public string LocationId { get; init; } = "LocationId";
    /// <summary>Latitude in WGS84 degrees. Default "Latitude".</summary>
    public string Latitude { get; init; } = "Latitude";
    /// <summary>Longitude in WGS84 degrees. Default "Longitude".</summary>
    public string Longitude { get; init; } = "Longitude";
    /// <summary>Optional acquisition time (a date/time or ISO-8601 text). Default none, as in the estimator's options.</summary>
    public string? Timestamp { get; init; }
    /// <summary>Folder that relative image paths are resolved against; null keeps them as written.</summary>
    public string? ImageFolder { get; init; }

    internal string Resolve(string path) =>
        ImageFolder is null || path.Length == 0 || Path.IsPathRooted(path) ? path : Path.Combine(ImageFolder, path);
}
