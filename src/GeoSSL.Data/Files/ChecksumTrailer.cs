using System.Security.Cryptography;

namespace GeoSSL.Data.Files;

/// <summary>
/// A SHA-256 of a file's content appended to its end, so a reader can tell a complete, untouched file from a truncated
/// or overwritten one before it trusts a single byte (a checkpoint whose weights were overwritten with garbage would
/// otherwise load and featurize to NaN). Layout: content, 32-byte hash of the content, 8-byte marker.
/// </summary>
internal static class ChecksumTrailer
{
    private static ReadOnlySpan<byte> Marker => "GEOSUM01"u8;
    private const int Length = 32 + 8;

    /// <summary>Hashes everything written to <paramref name="stream"/> so far and appends the trailer (the stream must be readable and seekable).</summary>
    public static void Append(Stream stream)
    {
        stream.Flush();
        long end = stream.Position;
        stream.Position = 0;
        var hash = SHA256.HashData(new BoundedStream(stream, end));
        stream.Position = end;
        stream.Write(hash);
        stream.Write(Marker);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="path"/> unless its trailer matches its content.</summary>
    public static void Verify(string path, string kind)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        if (stream.Length < Length)
            throw new InvalidDataException($"{kind} '{path}' is truncated ({stream.Length} bytes): it ends before its checksum.");
        Span<byte> trailer = stackalloc byte[Length];
        stream.Position = stream.Length - Length;
        stream.ReadExactly(trailer);
        if (!trailer[32..].SequenceEqual(Marker))
            throw new InvalidDataException($"{kind} '{path}' is truncated or was overwritten: it does not end with its checksum (was the write interrupted?).");
        stream.Position = 0;
        var actual = SHA256.HashData(new BoundedStream(stream, stream.Length - Length));
        if (!actual.AsSpan().SequenceEqual(trailer[..32]))
            throw new InvalidDataException($"{kind} '{path}' is corrupt: its content does not match its SHA-256 checksum (bytes were changed after it was written).");
    }

    /// <summary>Reads a stream only up to a position (the hash covers the content, not the trailer).</summary>
    private sealed class BoundedStream(Stream inner, long end) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => end;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            long left = end - inner.Position;
            if (left <= 0) return 0;
            return inner.Read(buffer[..(int)Math.Min(buffer.Length, left)]);
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
