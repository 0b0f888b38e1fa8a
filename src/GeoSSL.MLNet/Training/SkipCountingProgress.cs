using GeoSSL.Core.Training;

namespace GeoSSL.MLNet.Training;

/// <summary>Passes every training report on with the number of images the run left out, which the training loop does not know.</summary>
internal sealed class SkipCountingProgress(IProgress<PretrainProgress> inner, int skippedImages) : IProgress<PretrainProgress>
{
    public void Report(PretrainProgress value) => inner.Report(value with { SkippedImages = skippedImages });
}
