using System.Runtime.ExceptionServices;

namespace GeoSSL.Data.Streaming;

/// <summary>
/// Decodes a sequence of batches ahead of its consumer on a few worker threads, into a bounded set of reused buffers,
/// and hands the batches out in order: training on a manifest of any length holds only
/// <see cref="PrefetchOptions.Capacity"/> batches of pixels, and decoding overlaps the training step.
/// </summary>
/// <remarks>
/// Deterministic: each sample is decoded into its own place in its batch's buffer, so the bytes of batch k depend only on
/// its indices and the decode function, not on which thread decoded what. A decode that throws fails only its batch: the
/// exception (the one of the lowest position in the batch) is rethrown by the <see cref="TryNext"/> that reaches it.
/// </remarks>
internal sealed class PrefetchingBatchReader : IDisposable
{
    /// <summary>Decodes sample <paramref name="index"/> into <paramref name="destination"/> (exactly the sample's byte size).</summary>
    public delegate void SampleDecoder(int index, Span<byte> destination);

    private sealed class Slot(long number, IReadOnlyList<int> indices, byte[] buffer)
    {
        public long Number { get; } = number;
        public IReadOnlyList<int> Indices { get; } = indices;
        public byte[] Buffer { get; } = buffer;
        public int Dispatched;
        public int Pending = indices.Count;
        public Exception? Error;
        public int ErrorPosition = int.MaxValue;
    }

    // One lock guards all the state below; decoding itself runs outside it.
    private readonly object gate = new();
    private readonly IEnumerator<IReadOnlyList<int>> batches;
    private readonly SampleDecoder decode;
    private readonly int sampleBytes;
    private readonly int capacity;
    private readonly CancellationToken cancellation;
    private readonly CancellationTokenRegistration registration;
    private readonly Thread[] workers;
    private readonly Stack<byte[]> free = new();
    private readonly Queue<Slot> ready = new(); // dispatched, not yet handed out, in batch order
    private Slot? handedOut;                    // its buffer is the consumer's until the next TryNext
    private long nextNumber;
    private bool exhausted, disposed;
    private ExceptionDispatchInfo? sequenceError; // the batch sequence itself threw

    /// <param name="batches">Sample indices of each batch, in order; enumerated lazily (on the worker threads, one batch at a time).</param>
    /// <param name="sampleBytes">Bytes of one decoded sample.</param>
    /// <param name="decode">Fills one sample; called concurrently from <see cref="PrefetchOptions.Workers"/> threads.</param>
    /// <param name="cancellationToken">Stops the workers; a waiting or later <see cref="TryNext"/> throws OperationCanceledException.</param>
    public PrefetchingBatchReader(IEnumerable<IReadOnlyList<int>> batches, int sampleBytes, SampleDecoder decode,
        PrefetchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(decode);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleBytes, 1);
        options ??= new PrefetchOptions();
        options.Validate();
        this.batches = batches.GetEnumerator();
        this.decode = decode;
        this.sampleBytes = sampleBytes;
        capacity = options.Capacity;
        cancellation = cancellationToken;
        registration = cancellationToken.Register(() => { lock (gate) Monitor.PulseAll(gate); });
        workers = new Thread[options.Workers];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = new Thread(Work) { IsBackground = true, Name = $"GeoSSL prefetch {i}" };
            workers[i].Start();
        }
    }

    /// <summary>Batch buffers allocated so far: at most <see cref="PrefetchOptions.Capacity"/> while batches keep one size (a larger batch replaces a buffer).</summary>
    public int BuffersAllocated { get; private set; }

    /// <summary>Waits for the next batch in order. False once every batch has been handed out. Releases the previously returned batch's buffer.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    /// <remarks>Any exception a decode threw for this batch (e.g. a GeoDataException naming the unreadable file) is rethrown here; later batches can still be read.</remarks>
    public bool TryNext(out PrefetchedBatch batch)
    {
        lock (gate)
        {
            Release();
            while (true)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                cancellation.ThrowIfCancellationRequested();
                if (ready.Count > 0 && ready.Peek().Pending == 0)
                {
                    var slot = handedOut = ready.Dequeue();
                    if (slot.Error is not null) ExceptionDispatchInfo.Capture(slot.Error).Throw();
                    batch = new PrefetchedBatch(slot.Number, slot.Indices, slot.Buffer.AsMemory(0, slot.Indices.Count * sampleBytes));
                    return true;
                }
                if (ready.Count == 0 && exhausted)
                {
                    sequenceError?.Throw();
                    batch = default;
                    return false;
                }
                Monitor.Wait(gate);
            }
        }
    }

    private void Release()
    {
        if (handedOut is null) return;
        free.Push(handedOut.Buffer);
        handedOut = null;
        Monitor.PulseAll(gate); // a worker may be waiting for a buffer
    }

    private void Work()
    {
        while (true)
        {
            Slot slot;
            int position;
            lock (gate)
            {
                while (!TryTake(out slot!, out position))
                {
                    if (disposed || cancellation.IsCancellationRequested) return;
                    Monitor.Wait(gate);
                }
            }
            Exception? error = null;
            try { decode(slot.Indices[position], slot.Buffer.AsSpan(position * sampleBytes, sampleBytes)); }
            catch (Exception e) { error = e; }
            lock (gate)
            {
                if (error is not null && position < slot.ErrorPosition) { slot.Error = error; slot.ErrorPosition = position; }
                if (--slot.Pending == 0) Monitor.PulseAll(gate);
            }
        }
    }

    /// <summary>The next sample to decode, earliest batch first (so the batch needed next completes first). Called under the lock.</summary>
    private bool TryTake(out Slot slot, out int position)
    {
        slot = null!;
        position = 0;
        if (disposed || cancellation.IsCancellationRequested) return false;
        foreach (var s in ready)
            if (s.Dispatched < s.Indices.Count) { slot = s; position = s.Dispatched++; return true; }
        // Every dispatched sample is taken: start the next batch if a buffer is free.
        while (!exhausted && ready.Count + (handedOut is null ? 0 : 1) < capacity)
        {
            IReadOnlyList<int> indices;
            try
            {
                if (!batches.MoveNext()) { exhausted = true; Monitor.PulseAll(gate); return false; }
                indices = batches.Current;
            }
            catch (Exception e)
            {
                sequenceError = ExceptionDispatchInfo.Capture(e);
                exhausted = true;
                Monitor.PulseAll(gate);
                return false;
            }
            var s = new Slot(nextNumber++, indices, Rent(indices.Count * sampleBytes));
            ready.Enqueue(s);
            if (s.Pending == 0) { Monitor.PulseAll(gate); continue; } // an empty batch is complete at once
            slot = s;
            position = s.Dispatched++;
            return true;
        }
        return false;
    }

    private byte[] Rent(int bytes)
    {
        while (free.TryPop(out var buffer))
            if (buffer.Length >= bytes) return buffer; // a smaller one is dropped: the count stays bounded
        BuffersAllocated++;
        return new byte[bytes];
    }

    /// <summary>Stops the workers (each finishes the sample it is decoding) and waits for them.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            Monitor.PulseAll(gate);
        }
        foreach (var w in workers) if (w != Thread.CurrentThread) w.Join();
        registration.Dispose();
        batches.Dispose();
    }
}
