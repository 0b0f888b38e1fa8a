using GeoSSL.Core.Devices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GeoSSL.Core.Classification;

/// <summary>
/// SGD with momentum and weight decay, the update of <c>torch.optim.SGD</c> (dampening 0, no Nesterov):
/// <c>g = grad + wd * p; buf = m * buf + g (buf = g on the first step); p -= lr * buf</c>.
/// Written out here rather than using TorchSharp's SGD because that one converts weight decay, momentum and learning rate
/// to temporary Scalars that a garbage collection can free during the native call (see <see cref="StableScalars"/>);
/// here every Scalar lives in a <c>using</c> variable until the step is done.
/// </summary>
internal sealed class MomentumSgd : IDisposable
{
    private readonly List<Parameter> parameters;
    private readonly Tensor?[] buffers;
    private readonly double momentum;
    private readonly double weightDecay;
    private readonly double[] scales;

    /// <param name="learningRateScales">Per parameter, the factor on the learning rate of <see cref="Step"/>; null: 1 for all.</param>
    public MomentumSgd(IEnumerable<Parameter> parameters, double momentum, double weightDecay, IReadOnlyList<double>? learningRateScales = null)
    {
        this.parameters = parameters.ToList();
        buffers = new Tensor?[this.parameters.Count];
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        scales = learningRateScales?.ToArray() ?? Enumerable.Repeat(1.0, this.parameters.Count).ToArray();
        if (scales.Length != this.parameters.Count)
            throw new ArgumentException($"{scales.Length} learning-rate scales for {this.parameters.Count} parameters.", nameof(learningRateScales));
        if (scales.Any(s => !(s >= 0) || double.IsInfinity(s))) throw new ArgumentOutOfRangeException(nameof(learningRateScales), "Scales must be finite and not negative.");
    }

    /// <summary>Zeroes the gradients of the parameters (as TorchSharp's SGD does).</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    public void Step(double learningRate)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var decay = weightDecay.ToScalar();
        using var m = momentum.ToScalar();
        // One Scalar per distinct factor, alive until the step is done (see the class comment).
        var steps = scales.Distinct().ToDictionary(s => s, s => (-learningRate * s).ToScalar());
        try
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                var grad = p.grad;
                if (grad is null) continue;
                var d = weightDecay != 0 ? grad.add(p, decay) : grad;
                if (momentum != 0)
                {
                    if (buffers[i] is null) buffers[i] = d.detach().clone().DetachFromDisposeScope();
                    else buffers[i]!.mul_(m).add_(d, StableScalars.One);
                    d = buffers[i]!;
                }
                p.add_(d, steps[scales[i]]);
            }
        }
        finally
        {
            foreach (var s in steps.Values) s.Dispose();
        }
    }

    /// <summary>
    /// Writes the momentum buffers (one presence flag per parameter, then the buffer), so a resumed run takes the same next
    /// step as an uninterrupted one: without them the first step after a resume would start the momentum from zero.
    /// </summary>
    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(buffers.Length);
        foreach (var b in buffers)
        {
            writer.Write(b is not null);
            b?.Save(writer);
        }
    }

    /// <summary>Reads what <see cref="SaveState"/> wrote; throws <see cref="InvalidDataException"/> if it was written for other parameters.</summary>
    public void LoadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int count = reader.ReadInt32();
        if (count != buffers.Length)
            throw new InvalidDataException($"The optimiser state holds {count} momentum buffer(s) but this optimiser has {buffers.Length} parameters.");
        for (int i = 0; i < count; i++)
        {
            buffers[i]?.Dispose();
            buffers[i] = null;
            if (!reader.ReadBoolean()) continue;
            var buffer = zeros_like(parameters[i]).DetachFromDisposeScope();
            try { buffer.Load(reader); }
            catch (ArgumentException e)
            {
                buffer.Dispose();
                throw new InvalidDataException($"Momentum buffer {i} does not fit its parameter ({e.Message}).", e);
            }
            buffers[i] = buffer;
        }
    }

    /// <summary>The momentum buffers that exist so far, named by parameter position (for checks such as finiteness).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> MomentumBuffers() =>
        buffers.Select((b, i) => (Name: $"momentum[{i}]", Tensor: b)).Where(x => x.Tensor is not null).Select(x => (x.Name, x.Tensor!));

    public void Dispose()
    {
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i]?.Dispose();
            buffers[i] = null;
        }
    }
}
