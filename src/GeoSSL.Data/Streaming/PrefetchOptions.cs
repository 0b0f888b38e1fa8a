namespace GeoSSL.Data.Streaming;

/// <summary>How far and how widely a <see cref="PrefetchingBatchReader"/> decodes ahead of its consumer.</summary>
internal sealed record PrefetchOptions
{
    /// <summary>
    /// Batch buffers in use at once: the batch the consumer holds plus those decoded ahead. Memory is about
    /// Capacity x batch bytes whatever the number of batches. Default 4 (three batches ahead of the one being trained on).
    /// </summary>
    public int Capacity { get; init; } = 4;

    /// <summary>Decoding threads. Default 2: on a small machine the training step needs the other cores.</summary>
    public int Workers { get; init; } = 2;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Capacity, 2, nameof(Capacity)); // one held, at least one decoding ahead
        ArgumentOutOfRangeException.ThrowIfLessThan(Workers, 1, nameof(Workers));
    }
}
