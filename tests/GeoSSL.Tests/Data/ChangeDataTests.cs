using System.Diagnostics;
using System.Globalization;
using GeoSSL.Data.Dense;
using GeoSSL.Data.Records;
using SkiaSharp;

namespace GeoSSL.Tests.Data;

/// <summary>Labelled dense scenes (the 10 OSCD change cities with change.png), the city split, and the dense window sampler.</summary>
[TestClass]
public sealed class ChangeDataTests
{
    private static string ChangeFolder => SceneWindowTests.ChangeFolder;
    private static readonly Lazy<IReadOnlyList<DenseScene>> Cities = new(() => DenseScene.FromOscdChange(ChangeFolder));
    private const string Header = "City,Date1,Date2,Width,Height,Latitude,Longitude,ChangeFraction";
    private const string BercyRow = "bercy,2016-11-30,2017-08-29,360,395,48.843644,2.380257,0.00736";

    private static string Real(string city, string file) => Path.Combine(ChangeFolder, city, file);

    private static List<(string City, int Width, int Height, double ChangeFraction)> Manifest() =>
        File.ReadAllLines(Path.Combine(ChangeFolder, "manifest.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))
            .Select(f => (f[0], int.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture),
                double.Parse(f[7], CultureInfo.InvariantCulture))).ToList();

    /// <summary>A copy of bercy (t1, t2) with the given change.png (null = none) in a temp folder; /work/shared stays untouched.</summary>
    private static string BercyCopy(string? changePng)
    {
        var folder = TestData.TempFolder("dense-change");
        File.WriteAllLines(Path.Combine(folder, "manifest.csv"), [Header, BercyRow]);
        Directory.CreateDirectory(Path.Combine(folder, "bercy"));
        File.Copy(Real("bercy", "t1.png"), Path.Combine(folder, "bercy", "t1.png"));
        File.Copy(Real("bercy", "t2.png"), Path.Combine(folder, "bercy", "t2.png"));
        if (changePng is not null) File.Copy(changePng, Path.Combine(folder, "bercy", "change.png"));
        return folder;
    }

    // ---------- loading ----------

    [TestMethod]
    public void OscdChange_AllTenCitiesLoadWithMasksOfTheManifestsSizesAndItsChangeFractions()
    {
        var clock = Stopwatch.StartNew();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var scenes = DenseScene.FromOscdChange(ChangeFolder);
        clock.Stop();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"Loaded {scenes.Count} labelled OSCD cities in {clock.ElapsedMilliseconds} ms; images + masks {scenes.Sum(s => s.MemoryBytes) / 1e6:F1} MB " +
            $"(masks {scenes.Sum(s => (long)s.Width * s.Height) / 1e6:F2} MB), managed heap grew {(after - before) / 1e6:F1} MB");
        GC.KeepAlive(scenes);

        var manifest = Manifest();
        Assert.HasCount(10, scenes);
        CollectionAssert.AreEqual(manifest.Select(m => m.City).ToList(), scenes.Select(s => s.Name).ToList());
        foreach (var (scene, row) in scenes.Zip(manifest))
        {
            Assert.AreEqual(row.Width, scene.Width, scene.Name);
            Assert.AreEqual(row.Height, scene.Height, scene.Name);
            Assert.AreEqual(row.Width * row.Height, scene.Mask.Length, scene.Name);
            Assert.AreEqual(2, scene.DateCount);
            Assert.AreEqual(2, scene.ClassCount);
            Assert.AreEqual(Real(row.City, "change.png"), scene.MaskPath);
            Assert.AreEqual(row.Width * row.Height, scene.ClassPixels.Sum(), "every pixel is class 0 or 1");
            // the manifest gives 5 decimals: the fraction must round to it
            Console.WriteLine($"{row.City}: {scene.PositiveFraction:F6} (manifest {row.ChangeFraction})");
            Assert.AreEqual(row.ChangeFraction, Math.Round(scene.PositiveFraction, 5), 1e-9, row.City);
        }
    }

    [TestMethod]
    public void OscdChange_MaskIsOneExactlyWhereADirectSkiaSharpDecodeOfChangePngIsNonZero()
    {
        foreach (var scene in Cities.Value.Where(s => s.Name is "paris" or "abudhabi"))
        {
            using var bitmap = SKBitmap.Decode(scene.MaskPath);
            int wrong = 0, positives = 0;
            for (int y = 0; y < scene.Height; y++)
                for (int x = 0; x < scene.Width; x++)
                {
                    var c = bitmap.GetPixel(x, y);
                    bool change = c.Red != 0 || c.Green != 0 || c.Blue != 0;
                    positives += change ? 1 : 0;
                    if (scene[y, x] != (change ? 1 : 0)) wrong++;
                }
            Assert.AreEqual(0, wrong, scene.Name);
            Assert.AreEqual(positives, scene.ClassPixels[1], scene.Name);
            Assert.IsGreaterThan(0, positives, scene.Name);
        }
    }

    [TestMethod]
    public void OscdChange_MaskOfAnotherSize_IsAnErrorNamingTheFile()
    {
        var folder = BercyCopy(Real("paris", "change.png"));
        var e = Assert.ThrowsExactly<GeoDataException>(() => DenseScene.FromOscdChange(folder));
        Assert.AreEqual(Path.Combine(folder, "bercy", "change.png"), e.FilePath);
        StringAssert.Contains(e.Message, "change.png");
        StringAssert.Contains(e.Message, "390x408");
        StringAssert.Contains(e.Message, "360x395");
    }

    [TestMethod]
    public void OscdChange_MissingMask_IsAnErrorNamingTheFile()
    {
        var folder = BercyCopy(null);
        var e = Assert.ThrowsExactly<GeoDataException>(() => DenseScene.FromOscdChange(folder));
        Assert.AreEqual(Path.Combine(folder, "bercy", "change.png"), e.FilePath);
        StringAssert.Contains(e.Message, "does not exist");
    }

    [TestMethod]
    public void FromChangeFiles_GivesTheOscdLoadersPixelsAndMask_WithoutLocation()
    {
        var oscd = Cities.Value.Single(s => s.Name == "bercy");
        var user = DenseScene.FromChangeFiles("mine", Real("bercy", "t1.png"), Real("bercy", "t2.png"), Real("bercy", "change.png"));
        Assert.AreEqual("mine", user.Name);
        Assert.AreEqual(2, user.DateCount);
        CollectionAssert.AreEqual(oscd.Mask.ToArray(), user.Mask.ToArray());
        for (int d = 0; d < 2; d++) CollectionAssert.AreEqual(oscd.Scene.Samples(d).ToArray(), user.Scene.Samples(d).ToArray());
        Assert.IsTrue(double.IsNaN(user.Scene.PixelToLatLon(10, 10).Latitude), "plain files carry no location");
    }

    [TestMethod]
    public void FromChangeFiles_DatesOrMaskOfAnotherSize_AreErrorsNamingTheFile()
    {
        var e = Assert.ThrowsExactly<GeoDataException>(() =>
            DenseScene.FromChangeFiles("mine", Real("bercy", "t1.png"), Real("bercy", "t2.png"), Real("nantes", "change.png")));
        Assert.AreEqual(Real("nantes", "change.png"), e.FilePath);
        e = Assert.ThrowsExactly<GeoDataException>(() =>
            DenseScene.FromChangeFiles("mine", Real("bercy", "t1.png"), Real("paris", "t2.png"), Real("bercy", "change.png")));
        Assert.AreEqual(Real("paris", "t2.png"), e.FilePath);
        StringAssert.Contains(e.Message, "co-registered");
    }

    [TestMethod]
    public void FromSegmentationFiles_ReadsKClasses_AndAValueOfKOrMoreIsAnErrorNamingFilePixelAndValue()
    {
        // a 3-class mask on bercy's grid: class = (change ? 2 : row band 0/1), written with raw values (K = 256)
        var bercy = Cities.Value.Single(s => s.Name == "bercy");
        var classes = new byte[bercy.Width * bercy.Height];
        for (int i = 0; i < classes.Length; i++) classes[i] = (byte)(bercy.Mask.Span[i] != 0 ? 2 : (i / bercy.Width) % 2);
        var folder = TestData.TempFolder("dense-seg");
        var maskPath = Path.Combine(folder, "classes.png");
        MaskPng.WriteMask(maskPath, classes, bercy.Height, bercy.Width, classCount: 256);

        var scene = DenseScene.FromSegmentationFiles("seg", Real("bercy", "t2.png"), maskPath, classCount: 3);
        Assert.AreEqual(1, scene.DateCount);
        Assert.AreEqual(3, scene.ClassCount);
        CollectionAssert.AreEqual(classes, scene.Mask.ToArray());
        Assert.AreEqual(bercy.ClassPixels[1], scene.ClassPixels[2]);

        var first2 = Array.IndexOf(classes, (byte)2);
        var e = Assert.ThrowsExactly<GeoDataException>(() => DenseScene.FromSegmentationFiles("seg", Real("bercy", "t2.png"), maskPath, classCount: 2));
        Assert.AreEqual(maskPath, e.FilePath);
        StringAssert.Contains(e.Message, $"pixel ({first2 % bercy.Width}, {first2 / bercy.Width}) has value 2");
        StringAssert.Contains(e.Message, "K = 2");

        // OSCD's 0/255 change.png is not a class mask: rejected, not silently turned into class 1
        e = Assert.ThrowsExactly<GeoDataException>(() => DenseScene.FromSegmentationFiles("seg", Real("bercy", "t2.png"), Real("bercy", "change.png"), classCount: 2));
        StringAssert.Contains(e.Message, "value 255");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DenseScene.FromSegmentationFiles("seg", Real("bercy", "t2.png"), maskPath, classCount: 1));
    }

    [TestMethod]
    public void FromSegmentationFiles_MaskOfAnotherSize_IsAnErrorNamingTheFile()
    {
        var e = Assert.ThrowsExactly<GeoDataException>(() => DenseScene.FromSegmentationFiles("seg", Real("bercy", "t2.png"), Real("paris", "change.png"), 2));
        Assert.AreEqual(Real("paris", "change.png"), e.FilePath);
        StringAssert.Contains(e.Message, "390x408");
    }

    // ---------- split ----------

    [TestMethod]
    public void OscdSplit_IsDisjoint_CoversTheManifestsCities_AndBalancesTheChangeFraction()
    {
        var split = CitySplit.Oscd;
        Assert.AreEqual(split.All.Count, split.All.Distinct(StringComparer.OrdinalIgnoreCase).Count(), "disjoint");
        CollectionAssert.AreEquivalent(Manifest().Select(m => m.City).ToList(), split.All.ToList(), "covers all 10 cities");
        Assert.IsTrue(new[] { "bercy", "paris", "saclay_e" }.All(split.Train.Contains), "the Paris-region cities stay together");

        var (train, validation, test) = split.Select(Cities.Value);
        static double Fraction(IReadOnlyList<DenseScene> s) => (double)s.Sum(x => x.ClassPixels[1]) / s.Sum(x => (long)x.Width * x.Height);
        double all = Fraction(Cities.Value), tr = Fraction(train), va = Fraction(validation), te = Fraction(test);
        Console.WriteLine($"change fraction: all {all:P2}, train {tr:P2}, validation {va:P2}, test {te:P2}");
        foreach (var f in new[] { tr, va, te }) Assert.IsLessThan(0.15, Math.Abs(f / all - 1), $"{f:P2} vs {all:P2}");
    }

    [TestMethod]
    public void LeaveOneCityOut_HoldsOutEachCityOnce_AndTrainsOnAllOthers()
    {
        var cities = Manifest().Select(m => m.City).ToList();
        var folds = CitySplit.LeaveOneCityOut(cities).ToList();
        Assert.HasCount(10, folds);
        CollectionAssert.AreEqual(cities, folds.Select(f => f.Test.Single()).ToList());
        foreach (var fold in folds)
        {
            Assert.HasCount(9, fold.Train);
            Assert.IsEmpty(fold.Validation);
            CollectionAssert.AreEquivalent(cities, fold.All.ToList());
        }
        Assert.ThrowsExactly<ArgumentException>(() => new CitySplit(["paris", "bercy"], ["Paris"], []));
        var e = Assert.ThrowsExactly<ArgumentException>(() => new CitySplit(["paris", "atlantis"], [], []).Select(Cities.Value));
        StringAssert.Contains(e.Message, "atlantis");
    }

    // ---------- window sampler ----------

    /// <summary>Reference geometry written out longhand (not DenseAugmentation's index map): flip H, flip V, then k x np.rot90.</summary>
    private static T[,] Reference<T>(T[,] a, DenseAugmentation aug)
    {
        int s = a.GetLength(0);
        var b = new T[s, s];
        for (int r = 0; r < s; r++) for (int c = 0; c < s; c++) b[r, c] = a[r, aug.FlipHorizontal ? s - 1 - c : c];
        var v = new T[s, s];
        for (int r = 0; r < s; r++) for (int c = 0; c < s; c++) v[r, c] = b[aug.FlipVertical ? s - 1 - r : r, c];
        for (int k = 0; k < aug.Rotations; k++)
        {
            var rot = new T[s, s];
            for (int r = 0; r < s; r++) for (int c = 0; c < s; c++) rot[r, c] = v[c, s - 1 - r]; // numpy rot90, counter-clockwise
            v = rot;
        }
        return v;
    }

    private static T[,] Grid<T>(ReadOnlySpan<T> plane, int s)
    {
        var g = new T[s, s];
        for (int i = 0; i < s * s; i++) g[i / s, i % s] = plane[i];
        return g;
    }

    [TestMethod]
    public void Augmentation_IsTheSamePixelPermutationForBothDatesAndTheMask_AndChangeStaysOnTheDifference()
    {
        const int S = 24;
        var scenes = Cities.Value.Where(s => s.Name is "hongkong" or "bercy").ToList();
        var sampler = new DenseWindowSampler(scenes, S, seed: 3, changeBias: 0.5);
        float[] a1 = new float[sampler.SamplesPerDate], a2 = new float[sampler.SamplesPerDate], p1 = new float[sampler.SamplesPerDate], p2 = new float[sampler.SamplesPerDate];
        byte[] am = new byte[S * S], pm = new byte[S * S];
        var seen = new HashSet<string>();
        int positives = 0;
        for (int i = 0; i < 64; i++)
        {
            var window = sampler.Fill(epoch: 0, index: i, a1, a2, am);
            var plain = window with { Augmentation = DenseAugmentation.Identity };
            sampler.FillDate(plain, 0, p1);
            sampler.FillDate(plain, 1, p2);
            sampler.FillMask(plain, pm);
            var scene = scenes[window.SceneIndex];
            for (int y = 0; y < S; y++) for (int x = 0; x < S; x++)
                {
                    Assert.AreEqual(scene[window.Y + y, window.X + x], pm[y * S + x], "un-augmented mask = the scene's mask there");
                    Assert.AreEqual(scene.Scene[1, 2, window.Y + y, window.X + x], p2[2 * S * S + y * S + x], "un-augmented t2 = the scene's pixels there");
                }
            // each date's channels and the mask: augmented = reference transform of the un-augmented window
            var maskRef = Reference(Grid<byte>(pm, S), window.Augmentation);
            CollectionAssert.AreEqual(maskRef.Cast<byte>().ToArray(), am, $"mask, {window.Augmentation}");
            for (int c = 0; c < 3; c++)
            {
                CollectionAssert.AreEqual(Reference(Grid<float>(p1.AsSpan(c * S * S, S * S), S), window.Augmentation).Cast<float>().ToArray(), a1[(c * S * S)..((c + 1) * S * S)]);
                CollectionAssert.AreEqual(Reference(Grid<float>(p2.AsSpan(c * S * S, S * S), S), window.Augmentation).Cast<float>().ToArray(), a2[(c * S * S)..((c + 1) * S * S)]);
            }
            // |t2 - t1| from the augmented dates, mapped back through the inverse permutation, is |t2 - t1| of the plain window,
            // and the mask travels with it: the positives sit on the same differences
            var inverse = new int[S * S];
            var map = window.Augmentation.SourceIndices(S);
            for (int o = 0; o < map.Length; o++) inverse[map[o]] = o;
            for (int q = 0; q < S * S; q++)
            {
                Assert.AreEqual(MathF.Abs(p2[q] - p1[q]), MathF.Abs(a2[inverse[q]] - a1[inverse[q]]));
                Assert.AreEqual(pm[q], am[inverse[q]]);
            }
            seen.Add(window.Augmentation.ToString());
            positives += am.Count(v => v != 0);
        }
        Assert.IsGreaterThanOrEqualTo(12, seen.Count, $"the draws cover the flips and rotations: {string.Join(" | ", seen)}");
        Assert.IsGreaterThan(0, positives, "some windows hold change, so the mask comparison is not all zeros");
    }

    [TestMethod]
    public void SourceIndices_MatchTheLonghandReference_ForAllSixteenFlipRotationDraws_AndArePermutations()
    {
        const int S = 5; // odd: the centre pixel and the middle row/column are where off-by-one errors show
        var plain = new int[S, S];
        for (int i = 0; i < S * S; i++) plain[i / S, i % S] = i;
        var outcomes = new HashSet<string>();
        for (int bits = 0; bits < 16; bits++)
        {
            var aug = new DenseAugmentation((bits & 1) != 0, (bits & 2) != 0, bits >> 2);
            var map = aug.SourceIndices(S);
            CollectionAssert.AreEqual(Reference(plain, aug).Cast<int>().ToArray(), map, aug.ToString());
            CollectionAssert.AreEquivalent(Enumerable.Range(0, S * S).ToArray(), map, "a permutation: no pixel lost or doubled");
            outcomes.Add(string.Join(",", map));
        }
        Assert.HasCount(8, outcomes, "flips x rotations give the 8 symmetries of the square");
        CollectionAssert.AreEqual(new[] { 4, 9, 14, 19, 24 }, new DenseAugmentation(false, false, 1).SourceIndices(S)[..5], "rot90: the top row comes from the right column");
    }

    [TestMethod]
    public void ChangeBiasedSampling_RaisesThePositiveFractionFarAboveTheBaseRate_AndEveryBiasedWindowHoldsChange()
    {
        const int S = 64, N = 300;
        var (train, _, _) = CitySplit.Oscd.Select(Cities.Value);
        double baseRate = (double)train.Sum(s => s.ClassPixels[1]) / train.Sum(s => (long)s.Width * s.Height);
        var mask = new byte[S * S];
        double Measure(double bias, out int biasedWithout)
        {
            var sampler = new DenseWindowSampler(train, S, seed: 11, changeBias: bias);
            long pos = 0;
            biasedWithout = 0;
            for (int i = 0; i < N; i++)
            {
                var w = sampler.Draw(0, i);
                sampler.FillMask(w, mask);
                int n = mask.Count(v => v != 0);
                pos += n;
                if (w.ChangeBiased && n == 0) biasedWithout++;
            }
            return (double)pos / ((long)N * S * S);
        }
        double uniform = Measure(0, out _), half = Measure(0.5, out int missing), always = Measure(1, out int missingAlways);
        Console.WriteLine($"positive fraction in {S} px windows: base rate {baseRate:P2}, bias 0 {uniform:P2}, bias 0.5 {half:P2}, bias 1 {always:P2}");
        Assert.AreEqual(0, missing + missingAlways, "a change-biased window always contains its positive pixel");
        Assert.IsLessThan(2.0, uniform / baseRate, "uniform windows sit near the base rate");
        Assert.IsGreaterThan(0.5, uniform / baseRate);
        Assert.IsGreaterThan(3 * baseRate, half);
        Assert.IsGreaterThan(half, always);
    }

    [TestMethod]
    public void Sampler_IsDeterministicForSeedEpochAndIndex_AndTheBatchFillerMatchesSingleWindows()
    {
        const int S = 32;
        var scenes = CitySplit.Oscd.Select(Cities.Value).Train;
        var a = new DenseWindowSampler(scenes, S, seed: 5, changeBias: 0.3);
        var b = new DenseWindowSampler(scenes, S, seed: 5, changeBias: 0.3);
        long[] indices = [7, 0, 3, 1000000, 42];
        int n = indices.Length;
        float[] d1 = new float[n * a.SamplesPerDate], d2 = new float[n * a.SamplesPerDate];
        byte[] m = new byte[n * a.MaskPixels];
        var windows = a.FillBatch(epoch: 2, indices, d1, d2, m);

        // the same windows and bytes from a second sampler, one at a time, in another order
        float[] s1 = new float[a.SamplesPerDate], s2 = new float[a.SamplesPerDate];
        byte[] sm = new byte[a.MaskPixels];
        for (int k = n - 1; k >= 0; k--)
        {
            var w = b.Fill(2, indices[k], s1, s2, sm);
            Assert.AreEqual(windows[k], w);
            CollectionAssert.AreEqual(s1, d1[(k * a.SamplesPerDate)..((k + 1) * a.SamplesPerDate)]);
            CollectionAssert.AreEqual(s2, d2[(k * a.SamplesPerDate)..((k + 1) * a.SamplesPerDate)]);
            CollectionAssert.AreEqual(sm, m[(k * a.MaskPixels)..((k + 1) * a.MaskPixels)]);
        }
        // the list-of-dates batch filler gives the same buffers
        float[] l1 = new float[d1.Length], l2 = new float[d2.Length];
        byte[] lm = new byte[m.Length];
        b.FillBatch(2, indices, [l1, l2], lm);
        CollectionAssert.AreEqual(d1, l1);
        CollectionAssert.AreEqual(d2, l2);
        CollectionAssert.AreEqual(m, lm);

        var otherEpoch = Enumerable.Range(0, 50).Select(i => a.Draw(3, i)).ToList();
        var sameEpoch = Enumerable.Range(0, 50).Select(i => a.Draw(2, i)).ToList();
        var otherSeed = new DenseWindowSampler(scenes, S, seed: 6, changeBias: 0.3);
        Assert.IsLessThan(5, otherEpoch.Zip(sameEpoch).Count(p => p.First == p.Second), "another epoch draws other windows");
        Assert.IsLessThan(5, sameEpoch.Select((w, i) => w == otherSeed.Draw(2, i)).Count(x => x), "another seed draws other windows");
        Assert.ThrowsExactly<ArgumentException>(() => a.FillBatch(0, indices, d1.AsSpan(1), d2, m));

        // throughput figure for the report: a batch of 32 windows of 128 px, both dates and the mask
        var big = new DenseWindowSampler(scenes, 128, seed: 5, changeBias: 0.5);
        long[] batch = Enumerable.Range(0, 32).Select(i => (long)i).ToArray();
        float[] b1 = new float[32 * big.SamplesPerDate], b2 = new float[32 * big.SamplesPerDate];
        byte[] bm = new byte[32 * big.MaskPixels];
        big.FillBatch(0, batch, b1, b2, bm);
        var clock = Stopwatch.StartNew();
        for (int e = 1; e <= 5; e++) big.FillBatch(e, batch, b1, b2, bm);
        Console.WriteLine($"FillBatch 32 x 128 px (2 dates + mask): {clock.Elapsed.TotalMilliseconds / 5:F1} ms per batch");
    }

    [TestMethod]
    public void Sampler_OnOneDateSegmentationScenes_FillsTheListBatch_AndRefusesTheTwoDateOverloads()
    {
        var seg = DenseScene.FromSegmentationFiles("seg", Real("pisa", "t2.png"), Path.Combine(WriteClassMask("pisa"), "mask.png"), classCount: 2);
        var sampler = new DenseWindowSampler([seg], 40, seed: 9, changeBias: 1);
        float[] image = new float[3 * sampler.SamplesPerDate];
        byte[] mask = new byte[3 * sampler.MaskPixels];
        var windows = sampler.FillBatch(0, [0, 1, 2], [image], mask);
        for (int b = 0; b < 3; b++)
        {
            Assert.IsTrue(windows[b].ChangeBiased);
            Assert.IsGreaterThan(0, mask.AsSpan(b * sampler.MaskPixels, sampler.MaskPixels).ToArray().Count(v => v == 1), "bias 1: every window holds class 1");
        }
        var single = new float[sampler.SamplesPerDate];
        sampler.FillDate(windows[1], 0, single);
        CollectionAssert.AreEqual(single, image[sampler.SamplesPerDate..(2 * sampler.SamplesPerDate)]);
        Assert.ThrowsExactly<InvalidOperationException>(() => sampler.Fill(0, 0, single, single, mask));
        Assert.ThrowsExactly<ArgumentException>(() => sampler.FillBatch(0, [0], [image, image], mask));
    }

    /// <summary>pisa's change mask as a 0/1 class mask in a temp folder.</summary>
    private static string WriteClassMask(string city)
    {
        var scene = Cities.Value.Single(s => s.Name == city);
        var folder = TestData.TempFolder("dense-seg1");
        MaskPng.WriteMask(Path.Combine(folder, "mask.png"), scene.Mask.Span, scene.Height, scene.Width, classCount: 256);
        return folder;
    }

    [TestMethod]
    public void Sampler_WindowLargerThanAScene_IsAnErrorNamingTheScene()
    {
        var e = Assert.ThrowsExactly<GeoDataException>(() => new DenseWindowSampler(Cities.Value, 400, seed: 1));
        StringAssert.Contains(e.Message, "bercy");
    }
}
