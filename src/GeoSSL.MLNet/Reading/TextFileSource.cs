using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.Reading;

/// <summary>
/// The one text file behind an IDataView that <c>LoadFromTextFile</c> returned: its path, how fields are split, its header
/// and the field each column is loaded from. ML.NET keeps these in private fields of TextLoader (read here by reflection,
/// checked against ML.NET 5.0); <see cref="Of"/> returns null whenever they are not found (another ML.NET version, a view
/// transformed after loading, several files, sparse or multi-line input), and the file checks are then skipped. Nothing
/// here changes what is read; it only lets <see cref="TextManifestCheck"/> explain mistakes the loader hides.
/// </summary>
internal sealed class TextFileSource
{
    private const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;

    private readonly IMultiStreamSource files;
    private readonly char[] separators;
    private readonly bool quoting;
    private readonly bool trim;
    private readonly Dictionary<string, int> fieldOf;

    private TextFileSource(IMultiStreamSource files, string path, char[] separators, bool hasHeader, bool quoting, bool trim,
        Dictionary<string, int> fieldOf, IReadOnlyList<string> loadedColumns)
    {
        this.files = files; Path = path; this.separators = separators; this.quoting = quoting; this.trim = trim; this.fieldOf = fieldOf;
        LoadedColumns = loadedColumns;
        if (hasHeader)
        {
            using var reader = files.OpenTextReader(0);
            Header = DataLines(reader, skipHeader: false).Select(l => l.Fields).FirstOrDefault();
        }
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Header fields, or null when the loader was told the file has no header.</summary>
    public string[]? Header { get; }

    /// <summary>Every column the loader makes (the properties of the class it was given).</summary>
    public IReadOnlyList<string> LoadedColumns { get; }

    /// <summary>0-based field a scalar column is loaded from (its LoadColumn index), or null for vectors and unknown columns.</summary>
    public int? FieldOf(string column) => fieldOf.TryGetValue(column, out var i) ? i : null;

    public static TextFileSource? Of(IDataView data)
    {
        try
        {
            if (data.GetType().FullName != "Microsoft.ML.Data.TextLoader+BoundLoader") return null;
            var loader = Field(data, "_loader");
            if (Field(data, "_files") is not IMultiStreamSource files || files.Count != 1 || files.GetPathOrNull(0) is not { } path) return null;
            if (loader is null || Field(loader, "_separators") is not char[] separators || separators.Length == 0) return null;
            var flags = Field(loader, "_flags")?.ToString() ?? "";
            if (flags.Contains("AllowSparse") || flags.Contains("ReadMultilines") || Field(loader, "_maxRows") is not long.MaxValue) return null;
            if (Field(loader, "_escapeChar") is not '"') return null;
            if (Field(Field(loader, "_bindings"), "Infos") is not Array infos) return null;
            var fieldOf = new Dictionary<string, int>(StringComparer.Ordinal);
            var names = new List<string>();
            foreach (var info in infos)
            {
                if (Field(info, "Name") is not string name) return null;
                names.Add(name);
                if (Field(info, "Segments") is Array { Length: 1 } segments && segments.GetValue(0) is { } segment
                    && Field(segment, "Min") is int min && Field(segment, "Lim") is int lim && lim == min + 1 && Field(segment, "ForceVector") is false)
                    fieldOf[name] = min;
            }
            return new TextFileSource(files, path, separators, flags.Contains("HasHeader"), flags.Contains("AllowQuoting"), flags.Contains("TrimWhitespace"), fieldOf, names);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null; // a diagnostic aid only: never a reason to fail
        }
    }

    private static object? Field(object? owner, string name) =>
        owner?.GetType().GetField(name, Private | BindingFlags.Public)?.GetValue(owner);

    /// <summary>
    /// The data lines with their 1-based line numbers in the file, split into fields. Like TextLoader, empty lines and
    /// lines starting with "//" are not rows, and the header (when there is one) is skipped.
    /// </summary>
    public IEnumerable<(int Line, string[] Fields)> DataLines()
    {
        using var reader = files.OpenTextReader(0);
        foreach (var line in DataLines(reader, skipHeader: Header is not null)) yield return line;
    }

    private IEnumerable<(int Line, string[] Fields)> DataLines(TextReader reader, bool skipHeader)
    {
        int number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            if (skipHeader) { skipHeader = false; continue; }
            yield return (number, Split(line));
        }
    }

    /// <summary>Splits on the separators; with quoting, a cell in double quotes may hold separators and "" for a quote.</summary>
    private string[] Split(string line)
    {
        var fields = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool inQuotes = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoting && c == '"')
            {
                if (inQuotes && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else inQuotes = !inQuotes;
            }
            else if (!inQuotes && Array.IndexOf(separators, c) >= 0) { fields.Add(Cell(cell)); cell.Clear(); }
            else cell.Append(c);
        }
        fields.Add(Cell(cell));
        return fields.ToArray();
    }

    private string Cell(System.Text.StringBuilder cell) => trim ? cell.ToString().Trim() : cell.ToString();
}
