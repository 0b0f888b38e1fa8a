using static TorchSharp.torch;

namespace GeoSSL.Core.Checkpoints;

/// <summary>
/// Refuses weights with NaN or infinity where they are loaded (checkpoints, imported ONNX/state dicts), so a corrupt
/// or diverged file stops with its name instead of featurizing every image to NaN.
/// </summary>
internal static class FiniteWeights
{
    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> and the first non-finite tensor.</summary>
    public static void Require(nn.Module module, string source) => Require(module.state_dict().Select(kv => (kv.Key, kv.Value)), source);

    /// <summary>The same check for tensors that live outside a module (optimiser buffers, a kept copy of the best weights).</summary>
    public static void Require(IEnumerable<(string Name, Tensor Tensor)> tensors, string source)
    {
        using var _ = no_grad();
        foreach (var (name, t) in tensors)
        {
            if (!t.is_floating_point()) continue;
            using var finite = t.isfinite().all();
            if (!finite.item<bool>())
            {
                using var bad = t.isfinite().logical_not().sum();
                throw new InvalidDataException(
                    $"{source}: weight '{name}' holds {bad.item<long>()} non-finite value(s) (NaN or infinity); the file is corrupt or comes from a run that diverged.");
            }
        }
    }
}
