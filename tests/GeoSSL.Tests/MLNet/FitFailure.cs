using GeoSSL.MLNet;
using Microsoft.ML;

namespace GeoSSL.Tests.MLNet;

/// <summary>Runs a pretraining Fit that must fail before training: it must throw and leave nothing in the output folder.</summary>
public static class FitFailure
{
    /// <param name="folder">The run's output folder (checkpoint and ONNX export), which must stay empty.</param>
    public static Exception Of(MLContext ml, IDataView data, GeoContrastivePretrainEstimator.Options options, string folder)
    {
        Exception? error = null;
        try { ml.Transforms.GeoContrastivePretrain(options).Fit(data); }
        catch (Exception e) { error = e; }
        Assert.IsNotNull(error, "expected a failure");
        Assert.AreEqual(0, Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Length, "nothing is written when the input is bad");
        return error;
    }

    public static T As<T>(Exception e) where T : Exception =>
        e as T ?? throw new AssertFailedException($"Expected {typeof(T).Name}, got {e.GetType().Name}: {e.Message}");
}
