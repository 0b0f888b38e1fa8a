using System.Runtime;

namespace GeoSSL.Core.Devices;

/// <summary>
/// Runs a training step with the .NET garbage collector held off. TorchSharp 0.107 turns implicit numbers (the alpha of
/// <c>x + y</c>, SGD's learning rate and momentum, BatchNorm's <c>num_batches_tracked.add_(1)</c>) into temporary Scalar
/// objects and passes their native handles without keeping the objects alive (dotnet/TorchSharp PRs #1434, #1496, open).
/// A collection started by another thread while libtorch reads such a scalar lets its finalizer free it mid-call:
/// sporadic "Unknown scalar type" or c10 toFloat errors in long runs and test suites. Inside a no-GC region no collection
/// can start, so every scalar of the step outlives its native call; collections happen between steps, when no call is in
/// flight. A step that allocates more than the budget ends the region early (the runtime collects); it is then only as
/// exposed as without the pause.
/// </summary>
internal static class CollectionPause
{
    /// <summary>Managed bytes a step may allocate (all threads) before the runtime collects anyway: 64 MB.</summary>
    public const long BudgetBytes = 64L << 20;

    public static T Run<T>(Func<T> step)
    {
        bool paused = false;
        try { paused = GC.TryStartNoGCRegion(BudgetBytes); }
        catch (InvalidOperationException) { /* already inside a region (nested call): keep it */ }
        catch (ArgumentOutOfRangeException) { /* budget larger than this runtime allows: run unprotected */ }
        try { return step(); }
        finally
        {
            // If the budget ran out the runtime has left the region itself, and EndNoGCRegion would throw.
            if (paused && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }
}
