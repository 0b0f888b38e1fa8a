using GeoSSL.Cli;
using Spectre.Console;

// Ctrl+C is the cancellation token: training writes its checkpoint and the command exits with 130. A second Ctrl+C
// (or Ctrl+C before anything can be saved) ends the process the usual way.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (stop.IsCancellationRequested) return;
    e.Cancel = true;
    stop.Cancel();
};
return await GeoSslCli.RunAsync(args, new CliIo(AnsiConsole.Console, Console.Error), stop.Token);
