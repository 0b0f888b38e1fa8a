using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Core.Checkpoints;

/// <summary>Pieces every checkpoint reader shares: reading a copy of a model's state dict, and turning a damaged body into an error naming the file.</summary>
internal static class CheckpointIo
{
    /// <summary>Tensors shaped like <paramref name="model"/>'s state dict, read in its order (as written by saving each of them in that order).</summary>
    public static Dictionary<string, Tensor> ReadStateDictCopy(BinaryReader r, nn.Module model)
    {
        var weights = new Dictionary<string, Tensor>();
        try
        {
            using var _ = no_grad();
            foreach (var (name, t) in model.state_dict())
            {
                var copy = empty_like(t).DetachFromDisposeScope();
                weights[name] = copy;
                copy.Load(r);
            }
            return weights;
        }
        catch
        {
            foreach (var t in weights.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Runs one read of a checkpoint's body; whatever a short or damaged body throws becomes an InvalidDataException naming the file.</summary>
    public static T Guard<T>(string kind, string path, Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{kind} '{path}' is truncated or corrupt, or does not fit its own configuration ({e.GetType().Name}: {e.Message}).", e);
        }
    }
}
