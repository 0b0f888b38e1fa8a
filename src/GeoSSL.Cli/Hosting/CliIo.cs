using GeoSSL.MLNet;
using Spectre.Console;

namespace GeoSSL.Cli;

/// <summary>
/// Where a command writes: results and progress to <see cref="Out"/> (a Spectre console, so tests can pass a recording one),
/// the one-line errors to <see cref="Error"/> (stderr in the tool, so scripts can keep stdout clean).
/// </summary>
/// <param name="ProgressObserver">Sees every training progress report after the bar does; tests use it to cancel at a step.</param>
public sealed record CliIo(IAnsiConsole Out, TextWriter Error, Action<TrainingProgress>? ProgressObserver = null);
