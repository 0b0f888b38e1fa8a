namespace GeoSSL.MLNet;

/// <summary>What pretraining does with an image file it cannot read (missing, empty, not an image, truncated or corrupt).</summary>
public enum BadImagePolicy
{
    /// <summary>
    /// Stop before training with a <c>GeoDataException</c> naming the row and the file (the default). Silently training on
    /// less data than was given is worse than a stop: the run would look fine while a folder or a whole date was missing.
    /// </summary>
    Fail,

    /// <summary>
    /// Leave the row out, and go on: for large archives with a few broken files. Skipped rows are counted and listed in
    /// <see cref="GeoPretrainReport.SkippedImages"/>, logged (the first few files) and reported in every progress report.
    /// Only files are skipped: bad coordinates, location ids or dates still stop the run, and the rows left must still fill a batch.
    /// </summary>
    Skip,
}
