using GeoSSL.Core.Dense;
using GeoSSL.Core.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Dense;

[TestClass]
public sealed class DenseModelTests
{
    [TestMethod]
    [DataRow(false, 32)]
    [DataRow(false, 64)]
    [DataRow(true, 32)]
    [DataRow(true, 64)]
    public void ForwardStages_HaveStemAndLayerStrides_AndEndInTheFeatureMap(bool smallStem, int size)
    {
        torch.manual_seed(1);
        using var encoder = new ResNetEncoder(DenseTestModels.Tiny(smallStem));
        encoder.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = torch.randn(2, 3, size, size);
        var stages = encoder.ForwardStages(x);
        int[] strides = smallStem ? [1, 1, 2, 4, 8] : [2, 4, 8, 16, 32];
        int[] widths = [16, 16, 32, 64, 128];
        Assert.HasCount(5, stages);
        for (int i = 0; i < 5; i++)
            CollectionAssert.AreEqual(new long[] { 2, widths[i], size / strides[i], size / strides[i] }, stages[i].shape, $"stage {i}");
        Assert.AreEqual(0f, (stages[4] - encoder.ForwardFeatureMap(x)).abs().max().item<float>(), "layer4 output differs from ForwardFeatureMap");
        Assert.IsTrue(stages[0].min().item<float>() >= 0f, "the stem output is after the ReLU");
    }

    [TestMethod]
    [DataRow(false, 32)]
    [DataRow(false, 64)]
    [DataRow(true, 32)]
    [DataRow(true, 64)]
    public void Models_GiveLogitsAtInputResolution(bool smallStem, int size)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var segmentation = DenseTestModels.Build(DenseModelOptions.Segmentation(DenseTestModels.Tiny(smallStem), 5), seed: 2, size, size, warmUp: false);
        CollectionAssert.AreEqual(new long[] { 2, 5, size, size }, segmentation.forward(torch.randn(2, 3, size, size)).shape);
        foreach (var fusion in new[] { ChangeFusion.Difference, ChangeFusion.Concatenation })
        {
            using var change = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(smallStem), fusion), seed: 3, size, size, warmUp: false);
            var a = torch.randn(2, 3, size, size);
            var b = torch.randn(2, 3, size, size);
            var logits = change.Forward(a, b);
            CollectionAssert.AreEqual(new long[] { 2, 2, size, size }, logits.shape, fusion.ToString());
            Assert.AreEqual(0f, (logits - change.forward(torch.cat(new[] { a, b }, 1))).abs().max().item<float>(), "stacked-channel forward differs");
        }
    }

    [TestMethod]
    public void ResNet50_StagesAndLogits()
    {
        var encoder = new ResNetOptions { Depth = ResNetDepth.ResNet50, BaseWidth = 8 };
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var model = DenseTestModels.Build(DenseModelOptions.Change(encoder, ChangeFusion.Concatenation), seed: 8, 64, 64, warmUp: false);
        var stages = model.Encoder.ForwardStages(torch.randn(1, 3, 64, 64));
        CollectionAssert.AreEqual(new long[] { 8, 32, 64, 128, 256 }, stages.Select(s => s.shape[1]).ToArray());
        CollectionAssert.AreEqual(new long[] { 32, 16, 8, 4, 2 }, stages.Select(s => s.shape[2]).ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 2, 64, 64 }, model.Forward(torch.randn(1, 3, 64, 64), torch.randn(1, 3, 64, 64)).shape);
    }

    [TestMethod]
    public void OddSizes_DecodeToTheInputSize()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var model = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(false)), seed: 4, 50, 38, warmUp: false);
        CollectionAssert.AreEqual(new long[] { 1, 2, 50, 38 }, model.Forward(torch.randn(1, 3, 50, 38), torch.randn(1, 3, 50, 38)).shape);
    }

    [TestMethod]
    public void ParameterNames_FollowSegmentationModelsPytorch()
    {
        using var model = new DenseModel(DenseModelOptions.Segmentation(DenseTestModels.Tiny(false), 3));
        var keys = model.state_dict().Keys.ToHashSet();
        foreach (var key in new[]
        {
            "encoder.conv1.weight", "encoder.bn1.running_var", "encoder.layer4.1.conv2.weight",
            "decoder.blocks.0.conv1.0.weight", "decoder.blocks.0.conv1.1.weight", "decoder.blocks.0.conv1.1.running_mean",
            "decoder.blocks.4.conv2.0.weight", "decoder.blocks.4.conv2.1.bias", "segmentation_head.0.weight", "segmentation_head.0.bias",
        })
            Assert.Contains(key, keys);
        Assert.IsFalse(keys.Any(k => k.StartsWith("decoder.blocks.5")), "five decoder blocks");
        Assert.IsFalse(keys.Any(k => k.Contains("fc.")), "no classification layer");
        // Widths 256..16 scaled by BaseWidth/64 = 1/4; block 0 reads layer4 (128) + layer3 (64).
        CollectionAssert.AreEqual(new long[] { 64, 128 + 64, 3, 3 }, model.state_dict()["decoder.blocks.0.conv1.0.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 4, 8, 3, 3 }, model.state_dict()["decoder.blocks.4.conv1.0.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 3, 4, 1, 1 }, model.state_dict()["segmentation_head.0.weight"].shape);
        CollectionAssert.AreEqual(new[] { 256, 128, 64, 32, 16 }, new DenseModelOptions { Encoder = new ResNetOptions { Depth = ResNetDepth.ResNet18 } }.DecoderWidths());
    }

    [TestMethod]
    public void SiameseEncoder_IsOneParameterSet_AndBothDatesTrainIt()
    {
        using var model = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(false), ChangeFusion.Concatenation), seed: 5, 32, 32, warmUp: false);
        using var single = new ResNetEncoder(DenseTestModels.Tiny(false));
        var encoderKeys = model.state_dict().Keys.Where(k => k.StartsWith("encoder.")).ToList();
        CollectionAssert.AreEquivalent(single.state_dict().Keys.Select(k => "encoder." + k).ToArray(), encoderKeys.ToArray(), "exactly one encoder");
        long encoderParameters = single.parameters().Sum(p => p.numel());
        long all = model.parameters().Sum(p => p.numel());
        long rest = model.Decoder.parameters().Sum(p => p.numel()) + model.Head.parameters().Sum(p => p.numel());
        Assert.AreEqual(encoderParameters + rest, all, "parameters = one encoder + decoder + head");

        using var scope = NewDisposeScope();
        var conv1 = model.Encoder.named_parameters().Single(p => p.name == "conv1.weight").parameter;
        long w = DenseTestModels.Tiny(false).StageWidth(4);
        // Only date 2's half of the concatenated deepest features: the gradient still reaches the one conv1, not date 1's input.
        var x1 = torch.randn(2, 3, 32, 32).requires_grad_(true);
        var x2 = torch.randn(2, 3, 32, 32).requires_grad_(true);
        model.FusedStages(x1, x2)[4].narrow(1, w, w).square().sum().backward();
        Assert.IsGreaterThan(0f, conv1.grad!.abs().sum().item<float>(), "date 2 trains the shared encoder");
        Assert.IsGreaterThan(0f, x2.grad!.abs().sum().item<float>());
        Assert.IsTrue(x1.grad is null || x1.grad.abs().sum().item<float>() == 0f, "date 1 does not feed date 2's half");
        model.zero_grad();

        var y1 = torch.randn(2, 3, 32, 32).requires_grad_(true);
        var y2 = torch.randn(2, 3, 32, 32).requires_grad_(true);
        model.FusedStages(y1, y2)[4].narrow(1, 0, w).square().sum().backward();
        Assert.IsGreaterThan(0f, conv1.grad!.abs().sum().item<float>(), "date 1 trains the same encoder");
        Assert.IsGreaterThan(0f, y1.grad!.abs().sum().item<float>());
        model.zero_grad();

        // And the full model's loss reaches both inputs.
        var z1 = torch.randn(2, 3, 32, 32).requires_grad_(true);
        var z2 = torch.randn(2, 3, 32, 32).requires_grad_(true);
        model.Forward(z1, z2).select(1, 1).sum().backward();
        Assert.IsGreaterThan(0f, z1.grad!.abs().sum().item<float>());
        Assert.IsGreaterThan(0f, z2.grad!.abs().sum().item<float>());
    }

    [TestMethod]
    public void DifferenceFusion_OfIdenticalDates_IsZero()
    {
        using var model = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(false), ChangeFusion.Difference), seed: 6, 32, 32);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = torch.randn(3, 3, 32, 32);
        var fused = model.FusedStages(x, x.clone());
        Assert.HasCount(5, fused);
        foreach (var f in fused) Assert.AreEqual(0f, f.abs().max().item<float>());
        // So the change map of an unchanged pair does not depend on the image at all; a changed pair's does.
        var other = torch.randn(3, 3, 32, 32);
        Assert.AreEqual(0f, (model.Forward(x, x) - model.Forward(other, other)).abs().max().item<float>());
        Assert.IsGreaterThan(1e-4f, (model.Forward(x, other) - model.Forward(x, x)).abs().max().item<float>());
        // Concatenation keeps both dates: nonzero for identical input.
        using var concat = DenseTestModels.Build(DenseModelOptions.Change(DenseTestModels.Tiny(false), ChangeFusion.Concatenation), seed: 6, 32, 32);
        Assert.IsGreaterThan(0f, concat.FusedStages(x, x)[4].abs().max().item<float>());
    }

    [TestMethod]
    public void FrozenEncoder_GetsNoGradient_AndKeepsItsStatistics()
    {
        var options = DenseModelOptions.Change(DenseTestModels.Tiny(false)) with { FreezeEncoder = true };
        using var model = DenseTestModels.Build(options, seed: 7, 32, 32, warmUp: false);
        model.train();
        Assert.IsFalse(model.Encoder.training, "a frozen encoder stays in eval mode");
        Assert.IsTrue(model.Decoder.training);
        using var scope = NewDisposeScope();
        var before = model.Encoder.state_dict()["bn1.running_mean"].clone();
        model.Forward(torch.randn(2, 3, 32, 32) + 3, torch.randn(2, 3, 32, 32)).sum().backward();
        Assert.IsTrue(model.Encoder.parameters().All(p => p.grad is null));
        Assert.IsTrue(model.Decoder.parameters().Any(p => p.grad is not null && p.grad.abs().sum().item<float>() > 0));
        Assert.AreEqual(0f, (model.Encoder.state_dict()["bn1.running_mean"] - before).abs().max().item<float>());
        Assert.AreEqual(model.parameters().Count() - model.Encoder.parameters().Count(), model.TrainableParameters().Count());
    }

    [TestMethod]
    public void Options_RejectNonsense()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DenseModel(new DenseModelOptions { Classes = 1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DenseModel(new DenseModelOptions { Inputs = 3 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DenseModel(new DenseModelOptions { DecoderWidthScale = 0 }));
        using var model = new DenseModel(DenseModelOptions.Segmentation(DenseTestModels.Tiny(false), 2));
        Assert.ThrowsExactly<ArgumentException>(() => model.forward(torch.zeros(1, 6, 32, 32)));
        Assert.ThrowsExactly<InvalidOperationException>(() => model.Forward(torch.zeros(1, 3, 32, 32), torch.zeros(1, 3, 32, 32)));
    }
}
