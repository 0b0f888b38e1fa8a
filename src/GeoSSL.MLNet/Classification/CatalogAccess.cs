using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace GeoSSL.MLNet.Classification;

/// <summary>
/// The MLContext behind a trainers catalog, as a <see cref="TransformsCatalog"/> (to build stock transforms and log
/// into <c>MLContext.Log</c>). ML.NET keeps the environment internal, so it is read by reflection.
/// </summary>
internal static class CatalogAccess
{
    public static TransformsCatalog Transforms(TrainCatalogBase.CatalogInstantiatorBase catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        var owner = typeof(TrainCatalogBase.CatalogInstantiatorBase).GetProperty("Owner", flags)?.GetValue(catalog);
        var env = owner is null ? null : typeof(TrainCatalogBase).GetProperty("Environment", flags)?.GetValue(owner) as IHostEnvironment;
        var ctor = typeof(TransformsCatalog).GetConstructor(flags, new[] { typeof(IHostEnvironment) });
        if (env is null || ctor is null)
            throw new NotSupportedException("This version of ML.NET does not expose its environment as expected; create the trainer with new GeoImageClassifierEstimator(mlContext, options).");
        return (TransformsCatalog)ctor.Invoke(new object[] { env });
    }
}
