namespace GeoSSL.Core.Training;

/// <summary>Linear warm-up then half-cosine decay to zero, evaluated per step.</summary>
internal static class LearningRateSchedule
{
    public static double At(PretrainConfig c, long step, long stepsPerEpoch) =>
        At(c.LearningRate, c.Epochs, c.WarmupEpochs, c.CosineSchedule, step, stepsPerEpoch);

    /// <summary>The same schedule from its numbers: base rate, run length, warm-up epochs and whether to decay.</summary>
    public static double At(double learningRate, int epochs, double warmupEpochs, bool cosine, long step, long stepsPerEpoch)
    {
        long total = (long)epochs * stepsPerEpoch;
        long warmup = (long)Math.Round(warmupEpochs * stepsPerEpoch);
        if (step < warmup) return learningRate * (step + 1) / warmup;
        if (!cosine) return learningRate;
        double progress = total <= warmup ? 1 : (double)(step - warmup) / (total - warmup);
        return learningRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
