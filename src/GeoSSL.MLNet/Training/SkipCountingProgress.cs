using GeoSSL.Core.Engine;

namespace GeoSSL.MLNet.Training;

/// <summary>Passes every training report on with the number of images the run left out, which the training loop does not know.</summary>
internal sealed class SkipCountingProgress(IProgress<TrainingProgress> inner, int skippedImages) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => inner.Report(value with { SkippedImages = skippedImages });
}
