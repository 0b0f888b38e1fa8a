using GeoSSL.Core.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GeoSSL.Core.Classification;

/// <summary>
/// A <see cref="ResNetEncoder"/> followed by a linear layer <c>fc</c>: torchvision's <c>resnet18</c>/<c>resnet50</c>.
/// The encoder's layers are registered directly on this module (conv1, bn1, layer1-4, ...), so
/// <c>state_dict()</c> has exactly torchvision's keys, <c>fc.weight</c> and <c>fc.bias</c> included.
/// </summary>
internal sealed class ResNetClassifier : Module<Tensor, Tensor>
{
    private readonly ResNetEncoder encoder;
    private readonly Linear fc;

    /// <summary>The backbone (shares its layers with this module).</summary>
    public ResNetEncoder Encoder => encoder;

    /// <summary>The classification layer, [NumClasses, FeatureDimension].</summary>
    public Linear Fc => fc;

    public ResNetOptions EncoderOptions => encoder.Options;
    public int NumClasses { get; }

    public ResNetClassifier(ResNetOptions encoderOptions, int numClasses) : base(nameof(ResNetClassifier))
    {
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "A classifier needs at least two classes.");
        NumClasses = numClasses;
        encoder = new ResNetEncoder(encoderOptions);
        // torchvision's default initialisation of resnet.fc (nn.Linear's own: Kaiming-uniform weight, uniform bias).
        fc = Linear(encoder.FeatureDimension, numClasses);
        foreach (var (name, child) in encoder.named_children()) register_module(name, child);
        register_module("fc", fc);
    }

    /// <summary>Class logits [N, NumClasses] of normalised images [N, C, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc.forward(encoder.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Backbone parameters (everything but <c>fc</c>).</summary>
    public IEnumerable<Parameter> BackboneParameters() => encoder.parameters();

    /// <summary>Copies the weights and BatchNorm statistics of an encoder of the same shape (on any device) into the backbone.</summary>
    public void LoadEncoderWeights(ResNetEncoder source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Options != encoder.Options)
            throw new ArgumentException($"The source encoder ({Describe(source.Options)}) does not match this classifier's backbone ({Describe(encoder.Options)}).", nameof(source));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var from = source.state_dict();
        var to = encoder.state_dict();
        if (!from.Keys.ToHashSet().SetEquals(to.Keys))
            throw new ArgumentException("The source encoder's state dict has different entries than the backbone's.", nameof(source));
        foreach (var (name, t) in to) t.copy_(from[name]);
    }

    internal static string Describe(ResNetOptions o) =>
        $"ResNet-{(int)o.Depth}, base width {o.BaseWidth}, {o.InputChannels} channels, {(o.SmallInputStem ? "small" : "standard")} stem";
}
