using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GeoSSL.Core.Networks;

/// <summary>
/// MoCo-v2's 2-layer MLP head (Linear, ReLU, Linear). Names "0" and "2" match the official code's
/// <c>encoder_q.fc = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 128))</c>.
/// </summary>
internal sealed class ProjectionHead : Module<Tensor, Tensor>
{
    private readonly Linear first;
    private readonly Linear second;

    public int InputDimension { get; }
    public int HiddenDimension { get; }
    public int OutputDimension { get; }

    public ProjectionHead(int inputDimension, int hiddenDimension, int outputDimension) : base(nameof(ProjectionHead))
    {
        InputDimension = inputDimension;
        HiddenDimension = hiddenDimension;
        OutputDimension = outputDimension;
        first = Linear(inputDimension, hiddenDimension);
        second = Linear(hiddenDimension, outputDimension);
        register_module("0", first);
        register_module("1", ReLU());
        register_module("2", second);
    }

    /// <summary>(weight, bias) of the first and second linear layers, for export.</summary>
    public (Linear First, Linear Second) Layers => (first, second);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return second.forward(functional.relu(first.forward(x))).MoveToOuterDisposeScope();
    }
}
