using System.Collections;
using GeoSSL.Core.Networks;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace GeoSSL.Core.Import;

/// <summary>
/// Loads a PyTorch ResNet state dict (torch.save <c>.pth</c>/<c>.pt</c>/<c>.pth.tar</c>, or <c>.safetensors</c>) into a
/// <see cref="ResNetEncoder"/>, through TorchSharp.PyBridge. Published checkpoints wrap the backbone differently:
/// torchvision and torchgeo save it bare ("conv1.weight"), MoCo/GASSL and SSL4EO save a training checkpoint with
/// "state_dict" → "module.encoder_q.conv1.weight", others use "backbone." or "model.". Nested dictionaries are
/// flattened with dots, and the backbone is found as the prefix under which both "conv1.weight" and
/// "layer1.0.conv1.weight" exist (the MoCo query encoder wins over the key encoder). Heads under the prefix's "fc."
/// (classifier or MoCo MLP) are ignored; anything else that does not fit is an error naming the file and the parameter.
/// </summary>
internal static class TorchStateDictImporter
{
    /// <summary>File endings read as PyTorch state dicts by <see cref="InitialWeights"/>.</summary>
    public static readonly string[] Extensions = [".pt", ".pth", ".tar", ".ckpt", ".bin", ".safetensors"];

    /// <summary>Copies the backbone weights into <paramref name="encoder"/>; returns the names it filled.</summary>
    /// <param name="prefix">Key prefix of the backbone (e.g. "state_dict.module.encoder_q."); null finds it.</param>
    /// <param name="reverseInputChannels">Flip conv1's input channels, e.g. to feed RGB to a network trained on BGR.</param>
    public static IReadOnlyList<string> LoadInto(ResNetEncoder encoder, string path, bool reverseInputChannels = false, string? prefix = null)
    {
        using var scope = NewDisposeScope();
        var all = Read(path);
        return CopyInto(encoder, all, prefix ?? FindPrefix(all, path), path, reverseInputChannels);
    }

    /// <summary>Copies <paramref name="all"/>[prefix + name] into each encoder tensor; <paramref name="path"/> names the source in errors.</summary>
    internal static IReadOnlyList<string> CopyInto(ResNetEncoder encoder, IReadOnlyDictionary<string, Tensor> all, string prefix, string path, bool reverseInputChannels)
    {
        var target = encoder.state_dict();
        var names = new List<string>();
        foreach (var (name, parameter) in target)
        {
            string key = prefix + name;
            if (!all.TryGetValue(key, out var source))
            {
                // Old checkpoints predate this buffer; it does not affect the forward pass.
                if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
                throw new InvalidDataException($"'{path}': no weights for '{key}' (missing; the encoder needs '{name}').");
            }
            if (!source.shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException($"'{path}': '{key}' is [{string.Join(",", source.shape)}] in the file, [{string.Join(",", parameter.shape)}] in the encoder (wrong shape).");
            names.Add(name);
        }
        foreach (var key in all.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            string name = key[prefix.Length..];
            if (name.StartsWith("fc.", StringComparison.Ordinal)) continue; // classifier or projection head
            if (!target.ContainsKey(name))
                throw new InvalidDataException($"'{path}': the file has '{key}', which this encoder does not (extra). Is the encoder layout the file's (see ReadLayout)?");
        }
        using (no_grad())
        {
            foreach (var name in names)
            {
                var source = all[prefix + name].to(target[name].dtype);
                if (reverseInputChannels && name == "conv1.weight") source = source.flip(1);
                target[name].copy_(source.to(target[name].device));
            }
        }
        return names;
    }

    /// <summary>The encoder layout stored in the file (block type, blocks per layer, base width, input channels, stem).</summary>
    public static ResNetOptions ReadLayout(string path, string? prefix = null)
    {
        using var scope = NewDisposeScope();
        var all = Read(path);
        prefix ??= FindPrefix(all, path);
        var stem = all[prefix + "conv1.weight"];
        if (stem.dim() != 4) throw new InvalidDataException($"'{path}': '{prefix}conv1.weight' is not a convolution kernel.");
        bool bottleneck = all.ContainsKey(prefix + "layer1.0.conv3.weight");
        var blocks = new int[4];
        for (int l = 0; l < 4; l++)
            while (all.ContainsKey($"{prefix}layer{l + 1}.{blocks[l]}.conv1.weight")) blocks[l]++;
        if (blocks.Any(b => b == 0))
            throw new InvalidDataException($"'{path}': no residual blocks under '{prefix}layer{Array.IndexOf(blocks, 0) + 1}.' (missing). Is this a torchvision-style ResNet?");
        var depth = bottleneck ? ResNetDepth.ResNet50 : ResNetDepth.ResNet18;
        var layout = new ResNetOptions
        {
            Depth = depth, InputChannels = (int)stem.shape[1], BaseWidth = (int)stem.shape[0], SmallInputStem = stem.shape[2] == 3,
        };
        return layout.Blocks.SequenceEqual(blocks) ? layout : layout with { BlocksPerLayer = blocks };
    }

    /// <summary>Every tensor in the file under its dotted path (nested dictionaries flattened).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"PyTorch weights '{path}' do not exist.", path);
        var flat = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                foreach (var (k, v) in Safetensors.LoadStateDict(path)) flat[k] = v;
            else
                Flatten(PyTorchUnpickler.UnpickleStateDict(path), "", flat);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"'{path}' could not be read as a PyTorch state dict ({e.GetType().Name}: {e.Message}). " +
                "Save it with torch.save(model.state_dict(), path) or as safetensors; whole pickled modules are not readable outside Python.", e);
        }
        if (flat.Count == 0) throw new InvalidDataException($"'{path}' holds no tensors.");
        return flat;
    }

    private static void Flatten(IDictionary dict, string prefix, Dictionary<string, Tensor> into)
    {
        foreach (DictionaryEntry entry in dict)
        {
            string key = prefix + entry.Key;
            if (entry.Value is Tensor t) into[key] = t;
            else if (entry.Value is IDictionary nested) Flatten(nested, key + ".", into);
        }
    }

    private static string FindPrefix(Dictionary<string, Tensor> all, string path)
    {
        const string stem = "conv1.weight";
        var candidates = all.Keys
            .Where(k => k.EndsWith(stem, StringComparison.Ordinal))
            .Select(k => k[..^stem.Length])
            .Where(p => all.ContainsKey(p + "layer1.0.conv1.weight"))
            .ToList();
        if (candidates.Count == 1) return candidates[0];
        if (candidates.Count == 0)
            throw new InvalidDataException($"'{path}': no ResNet backbone found: no key ends in 'conv1.weight' beside a 'layer1.0.conv1.weight' " +
                $"(first keys: {string.Join(", ", all.Keys.Take(5))}).");
        var query = candidates.Where(p => p.Contains("encoder_q", StringComparison.Ordinal)).ToList();
        if (query.Count == 1) return query[0];
        throw new InvalidDataException($"'{path}' holds {candidates.Count} ResNet backbones ({string.Join(", ", candidates.Select(p => $"'{p}'"))}); pass the prefix of the one to load.");
    }
}
