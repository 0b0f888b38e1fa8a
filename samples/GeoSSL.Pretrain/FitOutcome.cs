namespace GeoSSL.Samples.Pretrain;

/// <summary>How the sample's commands end a Fit: Ctrl+C says how to continue (exit 130), bad input is one line (exit 1).</summary>
internal static class FitOutcome
{
    /// <returns>null when <paramref name="fit"/> returned; otherwise the exit code, after printing why.</returns>
    public static int? Run<T>(Func<T> fit, string continueWith, out T result)
    {
        result = default!;
        try
        {
            result = fit();
            return null;
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"Stopped. Continue with: {continueWith}");
            return 130;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or GeoSSL.Data.Records.GeoDataException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
