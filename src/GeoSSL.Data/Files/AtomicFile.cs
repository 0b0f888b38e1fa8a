using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace GeoSSL.Data.Files;

/// <summary>
/// The one way this library writes a file that must never be seen half-written (checkpoints, ONNX models, reports):
/// the bytes go to a temporary file beside the target, are flushed to disk (fsync), and the temporary file is renamed
/// over the target; on Linux the folder is fsynced too, so the rename survives a power cut. A reader therefore sees the
/// previous complete file or the new complete file, never a mix, even after kill -9 at any moment.
/// A kill -9 mid-write leaves the temporary file behind (nothing can delete it at that moment); the next write to the
/// same target deletes the temporaries of processes that no longer run.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes the file through <paramref name="write"/> (which must not close the stream) and replaces the target atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? Directory.GetCurrentDirectory();
        Directory.CreateDirectory(directory);
        DeleteStaleTemporaries(full);
        string temp = TemporaryName(full, Environment.ProcessId);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            SyncDirectory(directory);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>The temporaries of <paramref name="path"/> that a process which no longer runs left behind (kill -9 mid-write).</summary>
    public static IReadOnlyList<string> StaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory)) return [];
        string prefix = "." + Path.GetFileName(full) + ".";
        var stale = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
        {
            var middle = Path.GetFileName(file)[prefix.Length..^".tmp".Length];
            var pidText = middle.Split('.')[0];
            if (int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !IsRunning(pid)) stale.Add(file);
        }
        return stale;
    }

    /// <summary>Hidden (dot) name with the writer's process id, so another run can tell a dead writer's leftovers from a live one's.</summary>
    internal static string TemporaryName(string full, int processId) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{processId}.{Guid.NewGuid():N}.tmp");

    private static void DeleteStaleTemporaries(string full)
    {
        foreach (var file in StaleTemporaries(full))
        {
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true; // another thread of this process may be writing it; failed writes clean up themselves
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; } // no such process
        catch (InvalidOperationException) { return false; }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);
    [DllImport("libc")]
    private static extern int close(int fd);

    /// <summary>fsync of the folder makes the rename itself durable (POSIX); Windows has no equivalent and needs none for NTFS renames.</summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            int fd = open(directory, 0 /* O_RDONLY */);
            if (fd < 0) return;
            try { fsync(fd); } finally { close(fd); }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
