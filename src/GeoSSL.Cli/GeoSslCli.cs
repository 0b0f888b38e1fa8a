using System.CommandLine;
using System.CommandLine.Help;
using GeoSSL.Cli.Commands;
using GeoSSL.Data.Records;

namespace GeoSSL.Cli;

/// <summary>
/// The <c>geossl</c> tool's entry point, callable in-process: parses, runs one verb and maps every outcome to an exit code
/// and at most one error line (a stack trace only with <c>--verbose</c>).
/// </summary>
public static class GeoSslCli
{
    /// <summary>Shows stack traces of failures; on every verb.</summary>
    internal static readonly Option<bool> Verbose = new("--verbose") { Description = "Print the full exception on failure.", Recursive = true };

    public static Command BuildRoot(CliIo io)
    {
        // A plain command named geossl rather than RootCommand, whose name is the host process's (testhost, dotnet, GeoSSL.Cli):
        // usage lines read "geossl" however the tool is started.
        var root = new Command("geossl", "geossl: geography-aware self-supervised learning on satellite images (GeoSSL.MLNet on TorchSharp).");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Options.Add(Verbose);
        root.Subcommands.Add(PretrainCommand.Create(io));
        root.Subcommands.Add(FeaturizeCommand.Create(io));
        root.Subcommands.Add(ProbeCommand.Create(io));
        root.Subcommands.Add(FinetuneCommand.Create(io));
        root.Subcommands.Add(DetectChangesCommand.Create(io));
        root.Subcommands.Add(ExportCommand.Create(io));
        root.Subcommands.Add(ImportCommand.Create(io));
        root.Subcommands.Add(InfoCommand.Create(io));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliIo io, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(io);
        var root = BuildRoot(io);
        var parsed = root.Parse(args);
        if (args.Length == 0)
        {
            io.Error.WriteLine("error: no command given (see 'geossl --help')");
            return ExitCodes.BadInput;
        }
        // Help clears parse errors (e.g. `pretrain --help` without the required options); everything else must parse.
        if (parsed.Action is not HelpAction && parsed.Errors.Count > 0)
        {
            string verb = parsed.CommandResult.Command == root ? "" : " " + parsed.CommandResult.Command.Name;
            // An unknown token explains the other errors it causes (e.g. "required command was not provided"): report it first.
            var first = parsed.Errors.FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))) ?? parsed.Errors[0];
            io.Error.WriteLine($"error: {Flatten(first.Message)} (see 'geossl{verb} --help')");
            return ExitCodes.BadInput;
        }
        var config = new InvocationConfiguration
        {
            Output = io.Out.Profile.Out.Writer, Error = io.Error,
            EnableDefaultExceptionHandler = false, // failures are mapped below, to one line and an exit code
            ProcessTerminationTimeout = null,      // Ctrl+C is the caller's token (Program.cs), not System.CommandLine's
        };
        try
        {
            return await parsed.InvokeAsync(config, cancellationToken);
        }
        catch (Exception e)
        {
            int code = Classify(e, cancellationToken);
            if (code == ExitCodes.Cancelled) io.Error.WriteLine("Stopped before anything could be saved.");
            else io.Error.WriteLine($"error: {OneLine(e)}");
            if (parsed.GetValue(Verbose)) io.Error.WriteLine(e.ToString());
            return code;
        }
    }

    /// <summary>One line: System.CommandLine lists choices on lines of their own.</summary>
    private static string Flatten(string message) => System.Text.RegularExpressions.Regex.Replace(message.Trim(), @"[ \t]*[\r\n]+\s*", ", ").Replace(":,", ":").Replace("?,", "?");

    /// <summary>The user's input (files, values) versus a failure of the run itself.</summary>
    internal static int Classify(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => ExitCodes.Cancelled,
        CliUsageException or FileNotFoundException or DirectoryNotFoundException or GeoDataException or InvalidDataException
            or ArgumentException or FormatException => ExitCodes.BadInput,
        AggregateException { InnerExceptions.Count: 1 } a => Classify(a.InnerException!, cancellationToken),
        InvalidOperationException { InnerException: { } inner } => Classify(inner, cancellationToken),
        System.Reflection.TargetInvocationException { InnerException: { } invoked } => Classify(invoked, cancellationToken),
        _ => ExitCodes.Failure,
    };

    /// <summary>The innermost useful message on one line (ML.NET wraps the library's exceptions).</summary>
    internal static string OneLine(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } || (e is InvalidOperationException or System.Reflection.TargetInvocationException && e.InnerException is not null))
            e = e.InnerException!;
        string message = Flatten(e.Message);
        return e is CliUsageException or GeoDataException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException
            ? message
            : $"{e.GetType().Name}: {message}";
    }
}
