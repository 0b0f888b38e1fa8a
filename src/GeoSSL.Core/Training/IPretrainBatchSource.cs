namespace GeoSSL.Core.Training;

/// <summary>
/// Supplies training batches to the loop. The data layer implements it (which images pair up, which geo label
/// each has); the loop only asks for anchors by index, with a seeded generator so batches are reproducible.
/// </summary>
internal interface IPretrainBatchSource
{
    /// <summary>Number of anchors (images) in one epoch.</summary>
    int Count { get; }
    int Channels { get; }
    int Height { get; }
    int Width { get; }

    /// <summary>
    /// How samples are laid out in the buffers <see cref="FillBatch"/> writes: <see cref="Data.Input.SampleType.Byte"/>, one byte each, or
    /// <see cref="Data.Input.SampleType.Float32"/>, a float32 each (uint16 reflectance is held exactly as float). Must equal the run's
    /// <see cref="Data.Input.ImageInputSpec.StoredAs"/>.
    /// </summary>
    GeoSSL.Data.Input.SampleType SampleType => GeoSSL.Data.Input.SampleType.Byte;

    /// <summary>
    /// Writes the two views of each anchor as planar raw samples (C, H, W per image, images back to back; see <see cref="SampleType"/>) and the
    /// anchor's geo label. <paramref name="rng"/> decides any random choice (e.g. which date is the positive).
    /// </summary>
    void FillBatch(ReadOnlySpan<int> anchors, Random rng, Span<byte> view1, Span<byte> view2, Span<long> geoLabels);

    /// <summary>
    /// Called at the start of every epoch (and of a resumed one) before its first <see cref="FillBatch"/>, with the steps it will run,
    /// so a source that streams images from disk can decode ahead. Sources that hold their images in memory need not implement it.
    /// </summary>
    void PlanEpoch(EpochPlan plan) { }
}
