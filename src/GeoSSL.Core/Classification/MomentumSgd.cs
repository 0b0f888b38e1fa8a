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
public sealed class MomentumSgd : IDisposable
{
    private readonly List<Parameter> parameters;
    private readonly Tensor?[] buffers;
    private readonly double momentum;
    private readonly double weightDecay;

    public MomentumSgd(IEnumerable<Parameter> parameters, double momentum, double weightDecay)
    {
        this.parameters = parameters.ToList();
        buffers = new Tensor?[this.parameters.Count];
        this.momentum = momentum;
        this.weightDecay = weightDecay;
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
        using var step = (-learningRate).ToScalar();
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
            p.add_(d, step);
        }
    }

    public void Dispose()
    {
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i]?.Dispose();
            buffers[i] = null;
        }
    }
}
