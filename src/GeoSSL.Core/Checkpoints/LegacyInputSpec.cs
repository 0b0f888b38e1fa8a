using System.Text.Json.Nodes;

namespace GeoSSL.Core.Checkpoints;

/// <summary>
/// Reads files written before the input contract existed. They kept a per-channel Mean/Std (and perhaps a mean image)
/// beside an image size, and always meant 8-bit pixels divided by 255; this turns those fields into the "Input" object
/// an <see cref="Data.Input.ImageInputSpec"/> reads, so old checkpoints load with the normalisation they were trained with.
/// </summary>
internal static class LegacyInputSpec
{
    /// <summary>
    /// Adds "Input" to the JSON's root object (<paramref name="json"/>) when it is missing, from <paramref name="holder"/>'s Mean/Std/MeanImage.
    /// Returns the JSON unchanged when the file is new enough to have one.
    /// </summary>
    public static string Upgrade(string json, Func<JsonObject, JsonObject?> holder, Func<JsonObject, int?> size)
    {
        if (JsonNode.Parse(json) is not JsonObject root || root.ContainsKey("Input")) return json;
        var source = holder(root);
        if (source is null || !source.ContainsKey("Mean")) return json;
        int channels = (int?)(root["Model"]?["Encoder"] ?? root["Encoder"])?["InputChannels"] ?? 3;
        int side = size(root) ?? 224;
        var bands = new JsonArray(channels == 3 ? ["R", "G", "B"] : Enumerable.Range(1, channels).Select(i => (JsonNode?)JsonValue.Create($"band{i}")).ToArray());
        var input = new JsonObject
        {
            ["Bands"] = bands,
            ["Mean"] = source["Mean"]?.DeepClone(),
            ["Std"] = source["Std"]?.DeepClone(),
            ["MeanImage"] = source["MeanImage"]?.DeepClone(),
            ["Height"] = side,
            ["Width"] = side,
        };
        root["Input"] = input;
        return root.ToJsonString();
    }
}
