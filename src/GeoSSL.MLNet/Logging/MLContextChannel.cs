using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace GeoSSL.MLNet.Logging;

/// <summary>Writes messages into <see cref="MLContext.Log"/> like ML.NET's own components do.</summary>
internal sealed class MLContextChannel : IDisposable
{
    private readonly IChannel? channel;

    /// <summary>The catalog's environment is the MLContext's; ML.NET keeps the field private, so it is read by reflection. Without it, messages are dropped.</summary>
    public MLContextChannel(TransformsCatalog catalog, string component)
    {
        var env = typeof(TransformsCatalog).GetField("_env", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(catalog) as IHostEnvironment;
        channel = env?.Register(component).Start(component);
    }

    public void Info(string message) => channel?.Info(MessageSensitivity.None, message);

    public void Warning(string message) => channel?.Warning(MessageSensitivity.None, message);

    public void Dispose() => channel?.Dispose();
}
