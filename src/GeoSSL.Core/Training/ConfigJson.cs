using System.Text.Json;
using System.Text.Json.Serialization;

namespace GeoSSL.Core.Training;

/// <summary>
/// JSON form of <see cref="PretrainConfig"/> and <see cref="Classification.FineTuneConfig"/>, stored in checkpoints so a run
/// can be rebuilt from one file and a resume can be compared setting by setting (<see cref="Checkpoints.SettingsDiff"/>).
/// </summary>
internal static class ConfigJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(PretrainConfig config) => JsonSerializer.Serialize(config, Options);

    public static PretrainConfig Deserialize(string json) =>
        JsonSerializer.Deserialize<PretrainConfig>(
            Checkpoints.LegacyInputSpec.Upgrade(json, root => root["Augmentation"] as System.Text.Json.Nodes.JsonObject, root => (int?)root["Augmentation"]?["OutputSize"]),
            Options) ?? throw new InvalidDataException("Empty training configuration.");

    public static string Serialize(Classification.FineTuneConfig config) => JsonSerializer.Serialize(config, Options);

    public static Classification.FineTuneConfig DeserializeFineTune(string json) =>
        JsonSerializer.Deserialize<Classification.FineTuneConfig>(Checkpoints.LegacyInputSpec.Upgrade(json, root => root, _ => null), Options)
            ?? throw new InvalidDataException("Empty fine-tuning configuration.");

    /// <summary>Any other value in the same form (e.g. the data shape a checkpoint was written for).</summary>
    internal static string SerializeValue<T>(T value) => JsonSerializer.Serialize(value, Options);

    internal static T DeserializeValue<T>(string json) where T : class =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"Empty {typeof(T).Name}.");
}
