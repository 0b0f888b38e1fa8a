namespace GeoSSL.Core.Training;

/// <summary>Linear warm-up then half-cosine decay to zero, evaluated per step.</summary>
public static class LearningRateSchedule
{
    public static double At(PretrainConfig c, long step, long stepsPerEpoch)
    {
        long total = (long)c.Epochs * stepsPerEpoch;
        long warmup = (long)Math.Round(c.WarmupEpochs * stepsPerEpoch);
        if (step < warmup) return c.LearningRate * (step + 1) / warmup;
        if (!c.CosineSchedule) return c.LearningRate;
        double progress = total <= warmup ? 1 : (double)(step - warmup) / (total - warmup);
        return c.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
