using System.CommandLine;

namespace GeoSSL.Cli.Commands;

internal static class DetectChangesCommand
{
    public static Command Create(CliIo io)
    {
        var command = new Command("detect-changes", "Train or apply a change-detection model on co-registered city image pairs.");
        return command;
    }
}
