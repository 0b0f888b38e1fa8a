using System.Globalization;
using BitMiracle.LibTiff.Classic;

namespace GeoSSL.Data.Rasters;

/// <summary>
/// LibTiff reports problems by printing to the console and returning null/false; this handler keeps the last message
/// (per thread) instead, so the reader can put it in an exception that names the file.
/// </summary>
internal sealed class QuietTiffErrors : TiffErrorHandler
{
    [ThreadStatic] private static string? _last;
    private static readonly object Gate = new();
    private static bool _installed;

    /// <summary>Installs the handler once per process (LibTiff's handler is global).</summary>
    internal static void Install()
    {
        lock (Gate)
        {
            if (_installed) return;
            Tiff.SetErrorHandler(new QuietTiffErrors());
            _installed = true;
        }
    }

    /// <summary>The last LibTiff error on this thread, then forgets it.</summary>
    internal static string? TakeLast()
    {
        var message = _last;
        _last = null;
        return message;
    }

    public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
        _last = method + ": " + string.Format(CultureInfo.InvariantCulture, format, args);

    public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) =>
        ErrorHandler(tif, method, format, args);

    // Warnings (e.g. unknown private tags) are not failures; drop them rather than print them.
    public override void WarningHandler(Tiff tif, string method, string format, params object[] args) { }

    public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) { }
}
