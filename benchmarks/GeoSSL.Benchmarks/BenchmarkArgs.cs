using System.Globalization;

namespace GeoSSL.Benchmarks;

/// <summary>"--name value" and "--flag" arguments after the command name.</summary>
internal sealed class BenchmarkArgs
{
    private readonly Dictionary<string, string?> values = new(StringComparer.OrdinalIgnoreCase);

    public BenchmarkArgs(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--")) throw new ArgumentException($"Unexpected argument '{list[i]}'; options look like --name value.");
            string name = list[i][2..];
            bool hasValue = i + 1 < list.Count && !list[i + 1].StartsWith("--");
            values[name] = hasValue ? list[++i] : null;
        }
    }

    public string? Get(string name) => values.TryGetValue(name, out var v) ? v : null;
    public string Get(string name, string fallback) => Get(name) ?? fallback;
    public bool Flag(string name) => values.ContainsKey(name);
    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public double Double(string name, double fallback) => Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
