using GeoSSL.Core.Classification;
using GeoSSL.Core.Engine;
using GeoSSL.Core.Input;
using GeoSSL.Core.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Tests.Engine;

/// <summary>
/// A minimal task for testing the loop on real data: a 16-wide ResNet-18 classifying EuroSAT patches, batches in a seeded
/// order per epoch, no augmentation. Its steps depend only on (epoch, step), as the loop's contract asks.
/// </summary>
internal sealed class TinyClassificationTask : ITrainingTask
{
    private readonly LabeledImages train;
    private readonly LabeledImages? validation;
    private readonly InputNormalizer normalizer;
    private readonly int batchSize, seed;
    private readonly ResNetClassifier model;

    public TinyClassificationTask(Device device, LabeledImages train, LabeledImages? validation, int batchSize, int seed, double lossScale = 1)
    {
        this.train = train; this.validation = validation; this.batchSize = batchSize; this.seed = seed; LossScale = lossScale;
        normalizer = new InputNormalizer(ImageInputSpec.Rgb(train.Height));
        model = new ResNetClassifier(new ResNetOptions { Depth = ResNetDepth.ResNet18, BaseWidth = 16, SmallInputStem = true }, 10);
        model.to(device);
        Device = device;
    }

    /// <summary>Multiplies the loss (a huge value drives the weights to infinity, for the NaN guard).</summary>
    public double LossScale { get; }

    public string Kind => "tiny-classification";
    public string SettingsJson => $"{{\"BatchSize\":{batchSize},\"LossScale\":{LossScale}}}";
    public string DataJson => $"{{\"Train\":{train.Count},\"Validation\":{validation?.Count ?? 0},\"Size\":{train.Height}}}";
    public nn.Module Model => model;
    public Device Device { get; }
    public IEnumerable<Parameter> TrainableParameters() => model.parameters();
    public long StepsPerEpoch => train.Count / batchSize;
    public void SetTrainingMode() => model.train();
    public string Describe() => $"{train.Count} images of {train.Height} px";

    public StepOutput Step(int epoch, long step, Random rng)
    {
        var order = GeoSSL.Core.Training.StepRandom.EpochOrder(seed, epoch, train.Count);
        var (x, y) = Batch(train, order.Skip((int)step * batchSize).Take(batchSize).ToArray());
        var logits = model.forward(x);
        var loss = F.cross_entropy(logits, y) * LossScale;
        long correct = logits.argmax(1).eq(y).sum().item<long>();
        return new StepOutput(loss, batchSize, new Dictionary<string, double>
        {
            ["loss"] = loss.item<float>() * batchSize, ["accuracy"] = correct,
        });
    }

    public IReadOnlyDictionary<string, double>? Validate()
    {
        if (validation is null) return null;
        var (x, y) = Batch(validation, Enumerable.Range(0, validation.Count).ToArray());
        var logits = model.forward(x);
        return new Dictionary<string, double>
        {
            ["loss"] = F.cross_entropy(logits, y).item<float>(),
            ["accuracy"] = logits.argmax(1).eq(y).sum().item<long>() / (double)validation.Count,
        };
    }

    private (Tensor X, Tensor Y) Batch(LabeledImages data, int[] indices)
    {
        var bytes = new byte[indices.Length * data.ImageBytes];
        for (int i = 0; i < indices.Length; i++) data.Image(indices[i]).CopyTo(bytes.AsSpan(i * data.ImageBytes));
        var x = normalizer.Apply(bytes, indices.Length, data.Height, data.Width, Device);
        var y = tensor(indices.Select(i => (long)data.Label(i)).ToArray(), device: Device);
        return (x, y);
    }
}
