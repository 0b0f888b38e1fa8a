using GeoSSL.Data.Dense;
using GeoSSL.Data.Images;

namespace GeoSSL.Tests.Data;

/// <summary>Change overlays, panels and mask PNGs: decoded back, the right colours sit at known TP/FP/FN pixels; files are written atomically.</summary>
[TestClass]
public sealed class OverlayTests
{
    private const int S = 48;
    private static readonly Lazy<DenseScene> Hongkong = new(() => DenseScene.FromOscdChange(SceneWindowTests.ChangeFolder, ["hongkong"])[0]);

    /// <summary>A real window of hongkong (t1, t2 as 0..255 floats, truth) with known TP, FP and FN pixels in a made-up prediction.</summary>
    private static (float[] T1, float[] T2, byte[] Truth, byte[] Predicted, int Tp, int Fp, int Fn, int Tn) Case()
    {
        var scene = Hongkong.Value;
        // the first window (scanning in S steps) with both change and no change in it
        var sampler = new DenseWindowSampler([scene], S, seed: 0, augment: false);
        for (int y = 0; y + S <= scene.Height; y += S)
            for (int x = 0; x + S <= scene.Width; x += S)
            {
                var window = new DenseWindow(0, x, y, S, DenseAugmentation.Identity, false);
                var truth = new byte[S * S];
                sampler.FillMask(window, truth);
                int positives = truth.Count(v => v != 0);
                if (positives < 10 || positives > S * S - 10) continue;
                float[] t1 = new float[3 * S * S], t2 = new float[3 * S * S];
                sampler.FillDate(window, 0, t1);
                sampler.FillDate(window, 1, t2);
                var predicted = (byte[])truth.Clone();
                int tp = Array.IndexOf(truth, (byte)1), fn = Array.LastIndexOf(truth, (byte)1);
                int tn = Array.IndexOf(truth, (byte)0), fp = Array.LastIndexOf(truth, (byte)0);
                predicted[fn] = 0;
                predicted[fp] = 1;
                return (t1, t2, truth, predicted, tp, fp, fn, tn);
            }
        throw new InvalidOperationException("No window with change.");
    }

    private static byte[] Decode(string path, int height, int width)
    {
        var planes = new byte[3 * height * width];
        ImageDecoder.DecodeRgbPlanar(path, height, width, planes);
        return planes;
    }

    private static (byte R, byte G, byte B) Pixel(byte[] planes, int height, int width, int x, int y)
    {
        int plane = height * width, i = y * width + x;
        return (planes[i], planes[plane + i], planes[2 * plane + i]);
    }

    private static byte Blend(float image, byte colour, double opacity) => (byte)Math.Round((1 - opacity) * image + opacity * colour, MidpointRounding.AwayFromZero);

    [TestMethod]
    public void Overlay_DecodesBackWithGreenTpRedFpMagentaFn_BlendedOverT2_AndTheImageElsewhere()
    {
        var (_, t2, truth, predicted, tp, fp, fn, tn) = Case();
        var folder = TestData.TempFolder("overlay");
        var opaque = Path.Combine(folder, "opaque.png");
        var blended = Path.Combine(folder, "blended.png");
        ChangeOverlay.Write(opaque, t2, S, S, truth, predicted, opacity: 1);
        ChangeOverlay.Write(blended, t2, S, S, truth, predicted, opacity: 0.5);

        var o = Decode(opaque, S, S);
        Assert.AreEqual(((byte)0, (byte)255, (byte)0), Pixel(o, S, S, tp % S, tp / S), "TP green");
        Assert.AreEqual(((byte)255, (byte)0, (byte)0), Pixel(o, S, S, fp % S, fp / S), "FP red");
        Assert.AreEqual(((byte)255, (byte)0, (byte)255), Pixel(o, S, S, fn % S, fn / S), "FN magenta");
        Assert.AreEqual(((byte)t2[tn], (byte)t2[S * S + tn], (byte)t2[2 * S * S + tn]), Pixel(o, S, S, tn % S, tn / S), "TN = the t2 image");

        var b = Decode(blended, S, S);
        foreach (var (index, colour) in new[] { (tp, ChangeOverlay.TruePositive), (fp, ChangeOverlay.FalsePositive), (fn, ChangeOverlay.FalseNegative) })
            Assert.AreEqual((Blend(t2[index], colour.R, 0.5), Blend(t2[S * S + index], colour.G, 0.5), Blend(t2[2 * S * S + index], colour.B, 0.5)),
                Pixel(b, S, S, index % S, index / S));
        // every pixel: TN pixels are exactly the image, the others differ from it
        int changed = 0;
        for (int i = 0; i < S * S; i++)
        {
            bool same = b[i] == t2[i] && b[S * S + i] == t2[S * S + i] && b[2 * S * S + i] == t2[2 * S * S + i];
            if (truth[i] == 0 && predicted[i] == 0) Assert.IsTrue(same, $"TN pixel {i}");
            else changed++;
        }
        Assert.AreEqual(truth.Count(v => v != 0) + 1, changed, "TP + FN + FP = truth positives + the one FP");
    }

    [TestMethod]
    public void Overlay_FromProbabilityAndThreshold_EqualsTheThresholdedMask_AndBytesEqualFloats()
    {
        var (_, t2, truth, predicted, _, _, _, _) = Case();
        var probability = predicted.Select((p, i) => p != 0 ? 0.5f + (i % 5) * 0.1f : 0.49f - (i % 7) * 0.05f).ToArray();
        var folder = TestData.TempFolder("overlay-prob");
        ChangeOverlay.Write(Path.Combine(folder, "mask.png"), t2, S, S, truth, predicted);
        ChangeOverlay.Write(Path.Combine(folder, "prob.png"), t2, S, S, truth, probability, threshold: 0.5f);
        ChangeOverlay.Write(Path.Combine(folder, "bytes.png"), t2.Select(v => (byte)v).ToArray(), S, S, truth, predicted);
        var expected = Decode(Path.Combine(folder, "mask.png"), S, S);
        CollectionAssert.AreEqual(expected, Decode(Path.Combine(folder, "prob.png"), S, S));
        CollectionAssert.AreEqual(expected, Decode(Path.Combine(folder, "bytes.png"), S, S));
        CollectionAssert.AreEqual(predicted, ChangeOverlay.Threshold(probability, 0.5f));
    }

    [TestMethod]
    public void Overlay_IsWrittenAtomically_NoTemporaryLeft_OverwriteReplaces_BadInputWritesNothing()
    {
        var (_, t2, truth, predicted, _, _, _, _) = Case();
        var folder = TestData.TempFolder("overlay-atomic");
        var path = Path.Combine(folder, "out.png");
        ChangeOverlay.Write(path, t2, S, S, truth, predicted, opacity: 1);
        var first = File.ReadAllBytes(path);
        ChangeOverlay.Write(path, t2, S, S, truth, truth, opacity: 1); // overwrite with a perfect prediction
        CollectionAssert.AreEqual(new[] { "out.png" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray(), "no temporary file left beside it");
        CollectionAssert.AreNotEqual(first, File.ReadAllBytes(path), "the second write replaced the first");
        Assert.IsEmpty(GeoSSL.Data.Files.AtomicFile.StaleTemporaries(path));

        var other = Path.Combine(folder, "bad.png");
        Assert.ThrowsExactly<ArgumentException>(() => ChangeOverlay.Write(other, t2, S, S, truth, predicted.AsSpan(1)));
        Assert.ThrowsExactly<ArgumentException>(() => MaskPng.WriteMask(other, truth, S, S - 1));
        CollectionAssert.AreEqual(new[] { "out.png" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray(), "bad input leaves no file");
    }

    [TestMethod]
    public void Panel_HasT1T2TruthAndPredictionTiles_AndALegendWithTheThreeColours()
    {
        var (t1, t2, truth, predicted, tp, fp, fn, tn) = Case();
        var path = Path.Combine(TestData.TempFolder("panel"), "panel.png");
        ChangeOverlay.WritePanel(path, t1, t2, S, S, truth, predicted);
        int width = 4 * S + 3 * ChangeOverlay.PanelGap, height = ChangeOverlay.PanelHeader + S + ChangeOverlay.PanelFooter;
        Assert.AreEqual((width, height), ImageDecoder.ReadSize(path));
        var p = Decode(path, height, width);
        (byte, byte, byte) At(int tile, int index) => Pixel(p, height, width, tile * (S + ChangeOverlay.PanelGap) + index % S, ChangeOverlay.PanelHeader + index / S);
        foreach (var i in new[] { tp, fp, fn, tn, 0, S * S - 1 })
        {
            Assert.AreEqual(((byte)t1[i], (byte)t1[S * S + i], (byte)t1[2 * S * S + i]), At(0, i), "t1 tile");
            Assert.AreEqual(((byte)t2[i], (byte)t2[S * S + i], (byte)t2[2 * S * S + i]), At(1, i), "t2 tile");
        }
        Assert.AreEqual(((byte)255, (byte)255, (byte)255), At(2, tp), "truth tile: change white");
        Assert.AreEqual(((byte)255, (byte)255, (byte)255), At(2, fn));
        Assert.AreEqual(((byte)0, (byte)0, (byte)0), At(2, fp), "truth tile: no change black");
        Assert.AreEqual(ChangeOverlay.TruePositive, At(3, tp));
        Assert.AreEqual(ChangeOverlay.FalsePositive, At(3, fp));
        Assert.AreEqual(ChangeOverlay.FalseNegative, At(3, fn));
        Assert.AreEqual(((byte)0, (byte)0, (byte)0), At(3, tn));
        // legend squares, 12 px, in the footer; centres sampled to avoid anti-aliased edges
        var legend = Enumerable.Range(0, width).Select(x => Pixel(p, height, width, x, ChangeOverlay.PanelHeader + S + 10)).ToList();
        foreach (var colour in new[] { ChangeOverlay.TruePositive, ChangeOverlay.FalsePositive, ChangeOverlay.FalseNegative })
            Assert.IsGreaterThanOrEqualTo(10, legend.Count(c => c == colour), $"legend square {colour}");
    }

    [TestMethod]
    public void MaskPng_WritesGreyMasksAndProbabilities_ThatLoadBackAsTheSameMask()
    {
        var scene = Hongkong.Value;
        var folder = TestData.TempFolder("maskpng");
        var maskPath = Path.Combine(folder, "change.png");
        MaskPng.WriteMask(maskPath, scene.Mask.Span, scene.Height, scene.Width);
        var back = DenseScene.FromChangeFiles("again", Path.Combine(scene.Scene.Source, "t1.png"), Path.Combine(scene.Scene.Source, "t2.png"), maskPath);
        CollectionAssert.AreEqual(scene.Mask.ToArray(), back.Mask.ToArray());
        var grey = Decode(maskPath, scene.Height, scene.Width);
        CollectionAssert.AreEquivalent(new byte[] { 0, 255 }, grey.Distinct().ToArray(), "0/255 like OSCD's change.png");
        CollectionAssert.AreEqual(Decode(Path.Combine(scene.Scene.Source, "change.png"), scene.Height, scene.Width), grey, "the same pixels as the original change.png");

        float[] probability = [0f, 0.25f, 0.5f, 1f, 1.5f, -1f, float.NaN, 0.999f];
        var probPath = Path.Combine(folder, "prob.png");
        MaskPng.WriteProbability(probPath, probability, 2, 4);
        var decoded = Decode(probPath, 2, 4)[..8];
        CollectionAssert.AreEqual(new byte[] { 0, 64, 128, 255, 255, 0, 0, 255 }, decoded);

        var classPath = Path.Combine(folder, "classes.png");
        MaskPng.WriteMask(classPath, [0, 1, 2, 3], 2, 2, classCount: 4);
        CollectionAssert.AreEqual(new byte[] { 0, 85, 170, 255 }, Decode(classPath, 2, 2)[..4]);
        Assert.ThrowsExactly<ArgumentException>(() => MaskPng.WriteMask(classPath, [0, 1, 2, 4], 2, 2, classCount: 4));
        CollectionAssert.AreEquivalent(new[] { "change.png", "prob.png", "classes.png" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray(), "no temporaries");
    }
}
