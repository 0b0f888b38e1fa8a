using System.Collections;
using GeoSSL.Core.Import;
using GeoSSL.Core.Networks;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace GeoSSL.Tests.Import;

/// <summary>
/// PyTorch state dicts written by real PyTorch (Debian 12's python3-torch 1.13; see Fixtures/torch-state-dict/make_fixtures.py):
/// a torchvision-layout ResNet-18 at width 2 with one block per stage, as a bare state dict, as a MoCo/GASSL training
/// checkpoint and as safetensors, plus PyTorch's own pooled features for a fixed input.
/// </summary>
// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class TorchStateDictImporterTests
{
    internal static string Fixture(string name) => Path.Combine(TestData.RepoRoot, "tests", "GeoSSL.Tests", "Fixtures", "torch-state-dict", name);
    internal static string PlainStateDict => Fixture("tiny_resnet18.pth");
    private static string MocoCheckpoint => Fixture("tiny_gassl_moco_checkpoint.pth.tar");
    private static string SafeTensors => Fixture("tiny_resnet18.safetensors");

    private static float[] Features(ResNetEncoder encoder, Tensor input)
    {
        encoder.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return encoder.forward(input).data<float>().ToArray();
    }

    private static (Tensor Input, float[] Expected) Reference()
    {
        var io = TorchStateDictImporter.Read(Fixture("tiny_resnet18_reference_io.pt"));
        return (io["input"], io["features"].data<float>().ToArray());
    }

    [TestMethod]
    public void ReadLayout_FindsTheShapeOfTheNetwork()
    {
        var layout = InitialWeights.ReadLayout(PlainStateDict);
        Assert.AreEqual(ResNetDepth.ResNet18, layout.Depth);
        Assert.AreEqual(2, layout.BaseWidth);
        Assert.AreEqual(3, layout.InputChannels);
        Assert.IsFalse(layout.SmallInputStem, "7x7 stride-2 stem");
        CollectionAssert.AreEqual(new[] { 1, 1, 1, 1 }, layout.Blocks);
        Assert.AreEqual(layout, InitialWeights.ReadLayout(MocoCheckpoint) with { BlocksPerLayer = layout.BlocksPerLayer });
        CollectionAssert.AreEqual(layout.Blocks, InitialWeights.ReadLayout(SafeTensors).Blocks);
    }

    [TestMethod]
    public void ImportedEncoder_GivesPyTorchsPooledFeatures_FromEveryFileForm()
    {
        var (input, expected) = Reference();
        Assert.IsTrue(expected.Count(v => v > 0.1f) >= 8, "the reference features are not trivially zero");
        foreach (var file in new[] { PlainStateDict, MocoCheckpoint, SafeTensors })
        {
            using var encoder = new ResNetEncoder(InitialWeights.ReadLayout(file));
            var names = InitialWeights.LoadInto(encoder, file);
            // 12 convolutions (stem, 2 per block, 3 shortcuts) + 12 BatchNorms x 5 tensors (weight, bias, mean, var, count).
            Assert.AreEqual(12 + 12 * 5, names.Count, Path.GetFileName(file));
            var actual = Features(encoder, input);
            double maxDiff = actual.Zip(expected).Max(p => Math.Abs(p.First - p.Second));
            Assert.IsTrue(maxDiff <= 1e-4, $"{Path.GetFileName(file)}: max abs diff to PyTorch {maxDiff}");
        }
    }

    [TestMethod]
    public void MocoCheckpoint_LoadsTheQueryEncoder_NotTheKeyEncoderOrHeads()
    {
        // A checkpoint whose key encoder differs from the query encoder: only the query encoder may land in the backbone.
        var all = TorchStateDictImporter.Read(MocoCheckpoint);
        var altered = new Hashtable();
        foreach (var (k, v) in all.Where(p => p.Key.StartsWith("state_dict.", StringComparison.Ordinal)))
            altered[k["state_dict.".Length..]] = k.Contains("encoder_k.") && v.dtype == ScalarType.Float32 ? v * 3 : v;
        string path = Path.Combine(TestData.TempFolder("moco-altered"), "altered.pth");
        PyTorchPickler.PickleStateDict(path, altered);
        using var fromQuery = new ResNetEncoder(InitialWeights.ReadLayout(path));
        InitialWeights.LoadInto(fromQuery, path);
        using var fromPlain = new ResNetEncoder(InitialWeights.ReadLayout(PlainStateDict));
        InitialWeights.LoadInto(fromPlain, PlainStateDict);
        var plain = fromPlain.state_dict();
        foreach (var (name, t) in fromQuery.state_dict())
            Assert.IsTrue(t.eq(plain[name]).all().item<bool>(), $"'{name}' comes from module.encoder_q");
    }

    [TestMethod]
    public void MismatchedEncoder_ErrorsNameTheFileAndTheFirstParameterThatDoesNotFit()
    {
        var layout = InitialWeights.ReadLayout(PlainStateDict);

        using var deeper = new ResNetEncoder(layout with { BlocksPerLayer = [2, 1, 1, 1] });
        var missing = Assert.ThrowsExactly<InvalidDataException>(() => InitialWeights.LoadInto(deeper, PlainStateDict));
        StringAssert.Contains(missing.Message, "tiny_resnet18.pth");
        StringAssert.Contains(missing.Message, "'layer1.1.conv1.weight' (missing");

        using var wider = new ResNetEncoder(layout with { BaseWidth = 4 });
        var shape = Assert.ThrowsExactly<InvalidDataException>(() => InitialWeights.LoadInto(wider, PlainStateDict));
        StringAssert.Contains(shape.Message, "tiny_resnet18.pth");
        StringAssert.Contains(shape.Message, "'conv1.weight' is [2,3,7,7] in the file, [4,3,7,7] in the encoder (wrong shape)");

        // A file with one more block than the encoder.
        var all = TorchStateDictImporter.Read(PlainStateDict);
        var extra = new Hashtable();
        foreach (var (k, v) in all) extra[k] = v;
        extra["layer4.1.conv1.weight"] = zeros(16, 16, 3, 3);
        string path = Path.Combine(TestData.TempFolder("extra-block"), "extra.pth");
        PyTorchPickler.PickleStateDict(path, extra);
        using var tiny = new ResNetEncoder(layout);
        var surplus = Assert.ThrowsExactly<InvalidDataException>(() => InitialWeights.LoadInto(tiny, path));
        StringAssert.Contains(surplus.Message, "extra.pth");
        StringAssert.Contains(surplus.Message, "'layer4.1.conv1.weight', which this encoder does not (extra)");
    }

    [TestMethod]
    public void UnreadableOrAmbiguousFiles_AreRejectedWithTheirName()
    {
        string dir = TestData.TempFolder("bad-state-dict");
        string garbage = Path.Combine(dir, "garbage.pth");
        File.WriteAllText(garbage, "not a pickle");
        var unreadable = Assert.ThrowsExactly<InvalidDataException>(() => InitialWeights.ReadLayout(garbage));
        StringAssert.Contains(unreadable.Message, "garbage.pth");

        Assert.ThrowsExactly<FileNotFoundException>(() => InitialWeights.ReadLayout(Path.Combine(dir, "absent.pth")));
        var wrongKind = Assert.ThrowsExactly<ArgumentException>(() => InitialWeights.ReadLayout(Path.Combine(dir, "weights.h5")));
        StringAssert.Contains(wrongKind.Message, "weights.h5");

        // Two backbones and no MoCo query encoder among them: the user must choose.
        var all = TorchStateDictImporter.Read(PlainStateDict);
        var two = new Hashtable();
        foreach (var (k, v) in all) { two["student." + k] = v; two["teacher." + k] = v; }
        string twoPath = Path.Combine(dir, "two.pth");
        PyTorchPickler.PickleStateDict(twoPath, two);
        var ambiguous = Assert.ThrowsExactly<InvalidDataException>(() => InitialWeights.ReadLayout(twoPath));
        StringAssert.Contains(ambiguous.Message, "'student.'");
        StringAssert.Contains(ambiguous.Message, "'teacher.'");
        Assert.AreEqual(2, TorchStateDictImporter.ReadLayout(twoPath, prefix: "teacher.").BaseWidth);
    }
}
