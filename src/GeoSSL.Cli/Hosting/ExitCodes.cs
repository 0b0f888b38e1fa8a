namespace GeoSSL.Cli;

/// <summary>The tool's exit codes, the shell conventions scripts expect.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A failure while running (not the user's input).</summary>
    public const int Failure = 1;
    /// <summary>Bad usage or input: unknown option, bad value, missing or unreadable file.</summary>
    public const int BadInput = 2;
    /// <summary>Stopped by Ctrl+C (128 + SIGINT); a checkpoint was written when there was something to save.</summary>
    public const int Cancelled = 130;
}
