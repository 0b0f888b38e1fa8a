using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace GeoSSL.MLNet.Hosting;

/// <summary>Writes messages into <see cref="MLContext.Log"/> like ML.NET's own components do.</summary>
internal sealed class MLContextChannel : IDisposable
{
    private readonly IChannel? channel;

    /// <summary>Reached through <see cref="MLContextEnvironment.Channel"/>.</summary>
    internal MLContextChannel(IHostEnvironment environment, string component) => channel = environment.Register(component).Start(component);

    public void Info(string message) => channel?.Info(MessageSensitivity.None, message);

    public void Warning(string message) => channel?.Warning(MessageSensitivity.None, message);

    public void Dispose() => channel?.Dispose();
}
