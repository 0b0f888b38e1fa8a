using System.Text.Json;
using System.Text.Json.Serialization;

namespace GeoSSL.Core.Training;

/// <summary>JSON form of <see cref="PretrainConfig"/>, stored in checkpoints so a model can be rebuilt from one file.</summary>
public static class ConfigJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(PretrainConfig config) => JsonSerializer.Serialize(config, Options);

    public static PretrainConfig Deserialize(string json) =>
        JsonSerializer.Deserialize<PretrainConfig>(json, Options) ?? throw new InvalidDataException("Empty training configuration.");
}
