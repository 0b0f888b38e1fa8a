using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace GeoSSL.MLNet.Hosting;

/// <summary>
/// The one door to the MLContext behind a catalog: its environment (for MLContext.Log and stock transforms) and its GPU
/// settings (<see cref="MLContext.GpuDeviceId"/>, <see cref="MLContext.FallbackToCpu"/>). ML.NET keeps the environment
/// internal to its own assemblies, so it is read here by reflection, and nowhere else.
/// </summary>
internal sealed class MLContextEnvironment
{
    private const BindingFlags Any = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    private MLContextEnvironment(IHostEnvironment environment) => Environment = environment;

    public IHostEnvironment Environment { get; }

    /// <summary>The environment of <c>mlContext.Transforms</c> (its private field; ML.NET 1.x-5.x).</summary>
    public static MLContextEnvironment Of(TransformsCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(typeof(TransformsCatalog).GetField("_env", Any)?.GetValue(catalog) as IHostEnvironment ?? throw Unsupported());
    }

    /// <summary>The environment of <c>mlContext.MulticlassClassification.Trainers</c> (its owner catalog's Environment).</summary>
    public static MLContextEnvironment Of(TrainCatalogBase.CatalogInstantiatorBase catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var owner = typeof(TrainCatalogBase.CatalogInstantiatorBase).GetProperty("Owner", Any)?.GetValue(catalog);
        return new(owner is null ? throw Unsupported() : typeof(TrainCatalogBase).GetProperty("Environment", Any)?.GetValue(owner) as IHostEnvironment ?? throw Unsupported());
    }

    /// <summary>A transforms catalog on this environment, to build stock transforms from a trainer.</summary>
    public TransformsCatalog Transforms()
    {
        var ctor = typeof(TransformsCatalog).GetConstructor(Any, [typeof(IHostEnvironment)]) ?? throw Unsupported();
        return (TransformsCatalog)ctor.Invoke([Environment]);
    }

    /// <summary><see cref="MLContext.GpuDeviceId"/> of the context (null: not set).</summary>
    public int? GpuDeviceId => Setting<int?>("GpuDeviceId", null);

    /// <summary><see cref="MLContext.FallbackToCpu"/> of the context.</summary>
    public bool FallbackToCpu => Setting("FallbackToCpu", true);

    /// <summary>Writes into MLContext.Log under <paramref name="component"/>.</summary>
    public MLContextChannel Channel(string component) => new(Environment, component);

    /// <summary>
    /// The device a GeoSSL trainer uses: its own Device option when set to anything but "auto"; otherwise the MLContext's
    /// GpuDeviceId as "cuda:N", or, when no CUDA runtime is there, the CPU if FallbackToCpu allows it (with a warning) and an
    /// error naming both settings if not. Without a GpuDeviceId, "auto" stays "auto" (CUDA when available, else CPU).
    /// </summary>
    public string Device(string? optionDevice, MLContextChannel log)
    {
        string spec = (optionDevice ?? "auto").Trim();
        if (spec.Length > 0 && !spec.Equals("auto", StringComparison.OrdinalIgnoreCase)) return spec;
        if (GpuDeviceId is not { } id) return "auto";
        if (Core.Devices.DeviceSelector.CudaAvailable()) return $"cuda:{id}";
        if (!FallbackToCpu)
            throw new InvalidOperationException($"MLContext.GpuDeviceId is {id} and FallbackToCpu is false, but TorchSharp found no CUDA runtime. " +
                "Reference TorchSharp-cuda-linux or TorchSharp-cuda-windows (instead of TorchSharp-cpu), set FallbackToCpu = true, or clear GpuDeviceId.");
        log.Warning($"MLContext.GpuDeviceId is {id} but TorchSharp found no CUDA runtime; training on the CPU (MLContext.FallbackToCpu is true).");
        return "cpu";
    }

    // MLContext forwards GpuDeviceId/FallbackToCpu to its environment (ML.NET's internal IHostEnvironmentInternal).
    private T Setting<T>(string name, T fallback)
    {
        var property = Environment.GetType().GetProperty(name, Any)
            ?? Environment.GetType().GetInterfaces().Select(i => i.GetProperty(name, Any)).FirstOrDefault(p => p is not null);
        return property?.GetValue(Environment) is T value ? value : fallback;
    }

    private static NotSupportedException Unsupported() =>
        new("This version of ML.NET does not expose its environment as GeoSSL.MLNet expects (built against Microsoft.ML 5.0).");
}
