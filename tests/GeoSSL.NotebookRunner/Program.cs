// Runs a C# .NET Interactive notebook (.ipynb) cell by cell in an in-process CSharpKernel, as Polyglot Notebooks would:
// the notebook's folder is the working directory, every C# cell is submitted in order, its output is printed, and the
// first failing cell (compile error or exception) stops the run with exit code 1.
//
//   dotnet GeoSSL.NotebookRunner.dll NOTEBOOK.ipynb
//
// A separate process keeps the kernel's assemblies (Roslyn, .NET Interactive) apart from the test project's.
using System.Diagnostics;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;

if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: GeoSSL.NotebookRunner NOTEBOOK.ipynb");
    return 2;
}
string notebookPath = Path.GetFullPath(args[0]);
var kernels = new KernelInfoCollection { new KernelInfo("csharp", "C#", ["c#", "C#"]) };
kernels.DefaultKernelName = "csharp";
var notebook = Notebook.Parse(File.ReadAllText(notebookPath), kernels);
Directory.SetCurrentDirectory(Path.GetDirectoryName(notebookPath)!); // as Polyglot Notebooks runs a notebook

// The helpers Polyglot Notebooks adds to its C# kernel (display() and friends).
using var kernel = new CSharpKernel().UseKernelHelpers();
var cells = notebook.Elements.Where(e => e.KernelName == "csharp" && !string.IsNullOrWhiteSpace(e.Contents)).ToList();
int index = 0;
foreach (var cell in cells)
{
    index++;
    var clock = Stopwatch.StartNew();
    var result = await kernel.SendAsync(new SubmitCode(cell.Contents));
    string? failure = null;
    foreach (var e in result.Events)
    {
        switch (e)
        {
            case StandardOutputValueProduced output: Console.Write(Text(output)); break;
            case StandardErrorValueProduced error: Console.Error.Write(Text(error)); break;
            case ReturnValueProduced value: Console.WriteLine(Text(value)); break;
            case DisplayedValueProduced shown: Console.WriteLine(Text(shown)); break;
            case ErrorProduced error: failure ??= error.Message; break;
            case CommandFailed failed: failure = failed.Message + (failed.Exception is { } x ? Environment.NewLine + x : ""); break;
        }
    }
    Console.Out.Flush();
    if (failure is not null)
    {
        Console.Error.WriteLine($"cell {index}/{cells.Count} failed after {clock.Elapsed.TotalSeconds:F1}s:{Environment.NewLine}{cell.Contents}{Environment.NewLine}{failure}");
        return 1;
    }
    Console.WriteLine($"[cell {index}/{cells.Count} ok, {clock.Elapsed.TotalSeconds:F1}s]");
}
Console.WriteLine($"notebook {Path.GetFileName(notebookPath)}: all {cells.Count} C# cells ran");
return 0;

static string Text(DisplayEvent e) =>
    e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? e.FormattedValues.FirstOrDefault()?.Value ?? e.Value?.ToString() ?? "";
