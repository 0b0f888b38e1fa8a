using GeoSSL.Core.Input;
using GeoSSL.Core.Augmentation;
using GeoSSL.Data.Images;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GeoSSL.Tests.Core;

// Floating-point bounds: CI runs these again with the vector instruction set capped (.ci/run).
[TestClass, TestCategory("NumericBounds")]
public sealed class AugmentationTests
{
    /// <summary>A real 64x64 OSCD tile as [1, 3, 64, 64] floats in 0..1.</summary>
    private static Tensor RealTile(int index = 5)
    {
        var path = TestData.OscdRecords()[index].ImagePath;
        var bytes = new byte[3 * 64 * 64];
        ImageDecoder.DecodeRgbPlanar(path, 64, 64, bytes);
        return tensor(bytes, new long[] { 1, 3, 64, 64 }).to(ScalarType.Float32).div_(255f);
    }

    // Augmentation only augments (issue 16): its output is on the input's 0..1 scale; normalisation is InputNormalizer's.
    private static double MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    private static AugmentationParameters Identity(int n, float[]? theta = null) => new()
    {
        Count = n,
        Theta = Enumerable.Range(0, n).SelectMany(_ => theta ?? [1f, 0f, 0f, 0f, 1f, 0f]).ToArray(),
        Brightness = Enumerable.Repeat(1f, n).ToArray(),
        Contrast = Enumerable.Repeat(1f, n).ToArray(),
        Saturation = Enumerable.Repeat(1f, n).ToArray(),
        Hue = new float[n],
        Grayscale = new bool[n],
        BlurSigma = new float[n],
    };

    [TestMethod]
    public void SameTileRepeated_GivesPairwiseDifferentOutputs_OfTheRightShape()
    {
        using var scope = NewDisposeScope();
        var batch = RealTile().expand(16, 3, 64, 64).contiguous();
        var augmenter = new BatchAugmenter(new AugmentationOptions { OutputSize = 32 }, 3);
        var output = augmenter.Apply(batch, new Random(21));
        CollectionAssert.AreEqual(new long[] { 16, 3, 32, 32 }, output.shape);
        Assert.IsFalse(output.isnan().any().item<bool>());
        double closest = double.MaxValue;
        for (int i = 0; i < 16; i++)
            for (int j = i + 1; j < 16; j++)
            {
                double d = MaxAbsDiff(output[i], output[j]);
                closest = Math.Min(closest, d);
                Assert.IsGreaterThan(1e-2, d, $"outputs {i} and {j} are identical: parameters are not drawn per image");
            }
        // the augmentations stay in the normalised range of a [0,1] image
        float lo = output.min().item<float>(), hi = output.max().item<float>();
        Assert.IsGreaterThanOrEqualTo(-0.485f / 0.229f - 1e-4f, lo);
        Assert.IsLessThanOrEqualTo((1 - 0.406f) / 0.225f + 1e-4f, hi);
    }

    [TestMethod]
    public void NoAugmentation_SameSize_EqualsNormalisedInput()
    {
        using var scope = NewDisposeScope();
        var x = cat(new[] { RealTile(5), RealTile(77) }, 0);
        var augmenter = new BatchAugmenter(AugmentationOptions.None(64), 3);
        var output = augmenter.Apply(x, new Random(1));
        CollectionAssert.AreEqual(new long[] { 2, 3, 64, 64 }, output.shape);
        Assert.IsLessThan(1e-5, MaxAbsDiff(output, x));
    }

    [TestMethod]
    public void NoAugmentation_HalfSize_EqualsNormalisedBilinearDownsample()
    {
        using var scope = NewDisposeScope();
        var x = RealTile(9);
        var output = new BatchAugmenter(AugmentationOptions.None(32), 3).Apply(x, new Random(1));
        CollectionAssert.AreEqual(new long[] { 1, 3, 32, 32 }, output.shape);
        // bilinear at exactly half size samples between 4 pixels: the 2x2 block mean
        var expected = F.avg_pool2d(x, 2);
        Assert.IsLessThan(1e-5, MaxAbsDiff(output, expected));
    }

    [TestMethod]
    public void SameSeed_GivesIdenticalOutput_OtherSeedDoesNot()
    {
        using var scope = NewDisposeScope();
        var batch = cat(Enumerable.Range(0, 8).Select(i => RealTile(i * 37)).ToArray(), 0);
        var augmenter = new BatchAugmenter(new AugmentationOptions { OutputSize = 32, VerticalFlipProbability = 0.5 }, 3);
        var a = augmenter.Apply(batch, new Random(42));
        var b = augmenter.Apply(batch, new Random(42));
        var c = augmenter.Apply(batch, new Random(43));
        Assert.IsTrue(a.eq(b).all().item<bool>(), "same seed, different augmentations");
        Assert.IsGreaterThan(1e-2, MaxAbsDiff(a, c));

        var p1 = AugmentationParameters.Sample(augmenter.Options, 8, 64, 64, new Random(42));
        var p2 = AugmentationParameters.Sample(augmenter.Options, 8, 64, 64, new Random(42));
        CollectionAssert.AreEqual(p1.Theta, p2.Theta);
        CollectionAssert.AreEqual(p1.BlurSigma, p2.BlurSigma);
        Assert.IsTrue(augmenter.Apply(batch, p1).eq(a).all().item<bool>(), "Apply(rng) differs from Apply(Sample(rng))");
    }

    [TestMethod]
    public void ExplicitHorizontalFlip_MirrorsTheImage()
    {
        using var scope = NewDisposeScope();
        var x = cat(new[] { RealTile(3), RealTile(150) }, 0);
        var augmenter = new BatchAugmenter(AugmentationOptions.None(64), 3);
        var flipped = augmenter.Apply(x, Identity(2, [-1f, 0f, 0f, 0f, 1f, 0f]));
        Assert.IsLessThan(1e-5, MaxAbsDiff(flipped, x.flip(3)));
        Assert.IsGreaterThan(0.1, MaxAbsDiff(flipped, x), "the tile is symmetric: the test cannot see a flip");

        var vflipped = augmenter.Apply(x, Identity(2, [1f, 0f, 0f, 0f, -1f, 0f]));
        Assert.IsLessThan(1e-5, MaxAbsDiff(vflipped, x.flip(2)));
    }

    [TestMethod]
    public void SampledFlipProbabilities_OfOne_Flip()
    {
        using var scope = NewDisposeScope();
        var x = RealTile(12);
        var hflip = new BatchAugmenter(AugmentationOptions.None(64) with { HorizontalFlipProbability = 1 }, 3).Apply(x, new Random(2));
        Assert.IsLessThan(1e-5, MaxAbsDiff(hflip, x.flip(3)));
        var vflip = new BatchAugmenter(AugmentationOptions.None(64) with { VerticalFlipProbability = 1 }, 3).Apply(x, new Random(2));
        Assert.IsLessThan(1e-5, MaxAbsDiff(vflip, x.flip(2)));
    }

    [TestMethod]
    public void QuarterAreaCrop_IsAnExactSubImage()
    {
        using var scope = NewDisposeScope();
        var x = RealTile(60);
        var options = AugmentationOptions.None(32) with { MinCropScale = 0.25, MaxCropScale = 0.25 };
        var augmenter = new BatchAugmenter(options, 3);
        for (int seed = 0; seed < 4; seed++)
        {
            var output = augmenter.Apply(x, new Random(seed));
            // a 32x32 crop resized to 32x32 is a plain window of the image: find it
            double best = double.MaxValue;
            (int Top, int Left) at = (-1, -1);
            for (int top = 0; top <= 32; top++)
                for (int left = 0; left <= 32; left++)
                {
                    double d = MaxAbsDiff(output, x[.., .., top..(top + 32), left..(left + 32)]);
                    if (d < best) { best = d; at = (top, left); }
                }
            Assert.IsLessThan(1e-5, best, $"seed {seed}: no 32x32 window matches (closest at {at}, {best:E2})");
        }
    }

    [TestMethod]
    public void Brightness_ScalesEachImageByItsOwnFactor()
    {
        using var scope = NewDisposeScope();
        var x = RealTile(30).expand(6, 3, 64, 64).contiguous();
        var options = AugmentationOptions.None(64) with { ColorJitterProbability = 1, Brightness = 0.4, Contrast = 0, Saturation = 0, Hue = 0 };
        var augmenter = new BatchAugmenter(options, 3);
        var p = AugmentationParameters.Sample(options, 6, 64, 64, new Random(8));
        Assert.IsTrue(p.Brightness.All(b => b is >= 0.6f and <= 1.4f));
        Assert.IsGreaterThan(3, p.Brightness.Distinct().Count());
        CollectionAssert.AreEqual(Enumerable.Repeat(1f, 6).ToArray(), p.Contrast);
        var output = augmenter.Apply(x, p);
        for (int i = 0; i < 6; i++)
            Assert.IsLessThan(1e-5, MaxAbsDiff(output[i], (x[i] * p.Brightness[i]).clamp(0, 1)), $"image {i}, factor {p.Brightness[i]}");
    }

    [TestMethod]
    public void Grayscale_GivesEqualChannelsOfItuLuma()
    {
        using var scope = NewDisposeScope();
        var x = RealTile(200);
        var options = AugmentationOptions.None(64) with { GrayscaleProbability = 1 };
        var output = new BatchAugmenter(options, 3).Apply(x, new Random(4));
        var luma = x[.., 0] * 0.299f + x[.., 1] * 0.587f + x[.., 2] * 0.114f;
        for (int c = 0; c < 3; c++)
            Assert.IsLessThan(1e-5, MaxAbsDiff(output[.., c], luma), $"channel {c}");
    }

    [TestMethod]
    public void Blur_SmoothsTheImage()
    {
        using var scope = NewDisposeScope();
        var x = RealTile(250);
        var options = AugmentationOptions.None(64) with { BlurProbability = 1, MinBlurSigma = 1.5, MaxBlurSigma = 2.0 };
        var blurred = new BatchAugmenter(options, 3).Apply(x, new Random(6));
        double Roughness(Tensor t) => (t[.., .., .., 1..] - t[.., .., .., ..^1]).abs().mean().item<float>();
        Assert.IsLessThan(0.6 * Roughness(x), Roughness(blurred));
        // blurring keeps the mean brightness (normalised kernel, reflect padding)
        Assert.AreEqual(x.mean().item<float>(), blurred.mean().item<float>(), 0.01);
    }

    [TestMethod]
    public void InvalidOptionsOrShapes_Throw()
    {
        Assert.Throws<ArgumentException>(() => new InputNormalizer(ImageInputSpec.Rgb(32) with { Mean = [0.5f] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchAugmenter(new AugmentationOptions { OutputSize = 4 }, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchAugmenter(new AugmentationOptions { MinCropScale = 0 }, 3));
        using var scope = NewDisposeScope();
        var augmenter = new BatchAugmenter(new AugmentationOptions { OutputSize = 32 }, 3);
        Assert.Throws<ArgumentException>(() => augmenter.Apply(zeros(2, 4, 32, 32), new Random(1)));
    }
}
