namespace GeoSSL.Data.Streaming;

/// <summary>
/// One decoded batch: the samples of <see cref="Indices"/> back to back in <see cref="Bytes"/>. The bytes live in a
/// pooled buffer and stay valid until the reader's next <see cref="PrefetchingBatchReader.TryNext"/> or its disposal.
/// </summary>
/// <param name="Number">0-based position of the batch in the reader's sequence.</param>
internal readonly record struct PrefetchedBatch(long Number, IReadOnlyList<int> Indices, ReadOnlyMemory<byte> Bytes);
