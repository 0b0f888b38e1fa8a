using System.CommandLine;

namespace GeoSSL.Cli.Progress;

/// <summary>How a training verb ends after Ctrl+C: exit code 130 and, when a checkpoint was written, the command that continues.</summary>
internal static class StoppedRun
{
    /// <summary>After Ctrl+C: exit 130 and the exact command line that continues the run (or why there is none).</summary>
    public static int Report(CliIo io, string checkpoint, ParseResult parse)
    {
        if (File.Exists(checkpoint))
        {
            var args = parse.Tokens.Select(t => t.Value).ToList();
            int at = args.IndexOf("--resume");
            if (at >= 0) args.RemoveRange(at, Math.Min(2, args.Count - at));
            io.Error.WriteLine($"Stopped; checkpoint written. Continue with: geossl {string.Join(" ", args.Select(Quote))} --resume {Quote(checkpoint)}");
        }
        else io.Error.WriteLine("Stopped before training started; nothing to resume.");
        return ExitCodes.Cancelled;

        static string Quote(string s) => s.Contains(' ') ? $"\"{s}\"" : s;
    }
}
