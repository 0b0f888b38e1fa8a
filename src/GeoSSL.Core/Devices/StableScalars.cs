using TorchSharp;

namespace GeoSSL.Core.Devices;

/// <summary>
/// Long-lived TorchSharp scalars for hot paths. TorchSharp 0.107 turns every implicit number argument (the alpha 1 of
/// <c>x + y</c>, <c>clamp_(0, 1)</c>, <c>div_(255f)</c>, and the weight decay, momentum and learning rate inside its own
/// SGD) into a temporary <see cref="Scalar"/> and passes its native handle without keeping the object alive. A garbage
/// collection during the native call can then run the Scalar's finalizer, which frees the native scalar while libtorch is
/// reading it: sporadic "Expected false to be true" (c10 Scalar::toFloat) or "Unknown scalar type" errors, reproduced here
/// within seconds of training once a background thread forces collections. Static scalars stay reachable, so they are never
/// finalized; scalars with changing values are held in a <c>using</c> variable for the duration of the call.
/// The fine-tuning loop uses them (and its own SGD, <c>MomentumSgd</c>); TorchSharp's BatchNorm (<c>num_batches_tracked.add_(1)</c>
/// in training mode), the residual additions of the ResNet blocks and the augmenter still create such temporaries.
/// </summary>
internal static class StableScalars
{
    /// <summary>Integer 0 and 1, the same values (and types) the implicit conversions they replace produce.</summary>
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();
}
