namespace GeoSSL.Samples.Pretrain;

/// <summary>How the sample's commands end a Fit: Ctrl+C says how to continue (exit 130), bad input is one line (exit 1).</summary>
internal static class FitOutcome
{
    /// <returns>null when <paramref name="fit"/> returned; otherwise the exit code, after printing why.</returns>
    /// <param name="checkpoint">The run's checkpoint: Ctrl+C before training started (while decoding) leaves none to resume.</param>
    public static int? Run<T>(Func<T> fit, string continueWith, string? checkpoint, out T result)
    {
        result = default!;
        try
        {
            result = fit();
            return null;
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine(checkpoint is not null && File.Exists(checkpoint) ? $"Stopped. Continue with: {continueWith}" : "Stopped before training started; nothing to resume.");
            return 130;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or GeoSSL.Data.Records.GeoDataException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
