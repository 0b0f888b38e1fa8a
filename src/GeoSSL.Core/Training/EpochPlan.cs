namespace GeoSSL.Core.Training;

/// <summary>
/// The steps an epoch will run, given to <see cref="IPretrainBatchSource.PlanEpoch"/> before its first
/// <see cref="IPretrainBatchSource.FillBatch"/>: enough for a streaming source to decode the coming batches ahead.
/// </summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Order">The epoch's anchor order; step s uses <c>Order[s * BatchSize .. (s + 1) * BatchSize]</c>.</param>
/// <param name="FirstStep">First step to run (above 0 when a run resumes mid-epoch).</param>
/// <param name="StepCount">Steps in the epoch (the last runs at StepCount - 1).</param>
/// <param name="StepRandom">
/// A fresh generator equal to the one FillBatch will receive for a step, before FillBatch draws from it: a source that draws
/// its choices (e.g. positives) from it in FillBatch's order knows them ahead.
/// </param>
internal sealed record EpochPlan(int Epoch, IReadOnlyList<int> Order, int BatchSize, long FirstStep, long StepCount, Func<long, Random> StepRandom)
{
    /// <summary>The anchors of step <paramref name="step"/>.</summary>
    public int[] Anchors(long step)
    {
        var anchors = new int[BatchSize];
        for (int i = 0; i < BatchSize; i++) anchors[i] = Order[checked((int)(step * BatchSize + i))];
        return anchors;
    }
}
