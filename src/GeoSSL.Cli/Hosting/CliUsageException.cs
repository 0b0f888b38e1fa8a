namespace GeoSSL.Cli;

/// <summary>Bad input found by a command's own checks: printed as one line, exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
