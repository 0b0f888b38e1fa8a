using System.Text.Json;

namespace GeoSSL.Core.Checkpoints;

/// <summary>Names every setting where two JSON configurations differ ("Model.QueueSize: 100 in the checkpoint, 200 in this run").</summary>
internal static class SettingsDiff
{
    public static IReadOnlyList<string> Between(string savedJson, string currentJson)
    {
        using var saved = JsonDocument.Parse(savedJson);
        using var current = JsonDocument.Parse(currentJson);
        var lines = new List<string>();
        Compare("", saved.RootElement, current.RootElement, lines);
        return lines;
    }

    private static void Compare(string path, JsonElement saved, JsonElement current, List<string> lines)
    {
        if (saved.ValueKind == JsonValueKind.Object && current.ValueKind == JsonValueKind.Object)
        {
            var names = saved.EnumerateObject().Select(p => p.Name).Union(current.EnumerateObject().Select(p => p.Name));
            foreach (var name in names)
            {
                string child = path.Length == 0 ? name : path + "." + name;
                bool inSaved = saved.TryGetProperty(name, out var s), inCurrent = current.TryGetProperty(name, out var c);
                if (inSaved && inCurrent) Compare(child, s, c, lines);
                else lines.Add($"{child}: {(inSaved ? Show(s) : "absent")} in the checkpoint, {(inCurrent ? Show(c) : "absent")} in this run");
            }
            return;
        }
        if (saved.GetRawText() != current.GetRawText())
            lines.Add($"{(path.Length == 0 ? "(configuration)" : path)}: {Show(saved)} in the checkpoint, {Show(current)} in this run");
    }

    private static string Show(JsonElement e)
    {
        var text = e.GetRawText();
        return text.Length <= 60 ? text : text[..57] + "...";
    }
}
