using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using SkiaSharp;

namespace GeoSSL.Tests.Data;

/// <summary>The decoder's rows of the bad-input matrix: broken files are named errors, unusual encodings decode to the right RGB.</summary>
[TestClass]
public sealed class UnusualImageTests
{
    private string folder = "";

    [TestInitialize]
    public void NewFolder() => folder = TestData.TempFolder("unusual-images");

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(folder, recursive: true);

    private static byte[] Decode(string path, int size, long? row = null)
    {
        var buffer = new byte[3 * size * size];
        ImageDecoder.DecodeRgbPlanar(path, size, size, buffer, row);
        return buffer;
    }

    /// <summary>The source tile's top-left <paramref name="size"/> square, planar RGB, as SkiaSharp decodes it.</summary>
    private static byte[] SourceCrop(int size)
    {
        using var tile = SKBitmap.Decode(BadImages.SourceTile);
        var planar = new byte[3 * size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                var c = tile.GetPixel(x, y);
                int i = y * size + x;
                (planar[i], planar[size * size + i], planar[2 * size * size + i]) = (c.Red, c.Green, c.Blue);
            }
        return planar;
    }

    [TestMethod]
    public void TruncatedPng_IsUnreadable_NamingFileAndRow()
    {
        var path = BadImages.Truncated(folder);
        using (var lenient = SKBitmap.Decode(path)) Assert.IsNotNull(lenient, "SkiaSharp's own Decode accepts the truncated file: the reason for this check");
        var e = Assert.ThrowsExactly<GeoDataException>(() => Decode(path, 32, row: 7));
        StringAssert.StartsWith(e.Message, "Row 7: ");
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "truncated");
        Assert.AreEqual(path, e.FilePath);
        Assert.AreEqual(7L, e.Row);
        // only the header is read for the size, which a truncated file still has
        Assert.AreEqual((64, 64), ImageDecoder.ReadSize(path));
    }

    [TestMethod]
    public void TruncatedJpeg_IsUnreadable()
    {
        var bytes = File.ReadAllBytes(BadImages.Fixture("cmyk.jpg"));
        var path = Path.Combine(folder, "half.jpg");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<GeoDataException>(() => Decode(path, 32));
        StringAssert.Contains(e.Message, "half.jpg");
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void ZeroByteFile_SaysItIsEmpty()
    {
        var path = BadImages.ZeroBytes(folder);
        var e = Assert.ThrowsExactly<GeoDataException>(() => Decode(path, 32, row: 2));
        StringAssert.Contains(e.Message, "Row 2");
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "empty (0 bytes)");
        var size = Assert.ThrowsExactly<GeoDataException>(() => ImageDecoder.ReadSize(path));
        StringAssert.Contains(size.Message, "empty (0 bytes)");
    }

    [TestMethod]
    public void TextFileNamedPng_IsNotAnImage()
    {
        var path = BadImages.TextNamedPng(folder);
        var e = Assert.ThrowsExactly<GeoDataException>(() => Decode(path, 32, row: 4));
        StringAssert.Contains(e.Message, "Row 4");
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "is not a readable image");
        Assert.ThrowsExactly<GeoDataException>(() => ImageDecoder.ReadSize(path));
    }

    [TestMethod]
    public void GrayscalePng_DecodesToEqualChannelsHoldingTheGray()
    {
        // gray8.png holds the source tile's green channel
        var gray = Decode(BadImages.Fixture("gray8.png"), 64);
        var source = SourceCrop(64);
        const int plane = 64 * 64;
        for (int i = 0; i < plane; i++)
        {
            Assert.AreEqual(source[plane + i], gray[i], $"red of pixel {i}");
            Assert.AreEqual(source[plane + i], gray[plane + i], $"green of pixel {i}");
            Assert.AreEqual(source[plane + i], gray[2 * plane + i], $"blue of pixel {i}");
        }
        Assert.IsGreaterThan(50, gray.Max() - gray.Min(), "a real picture, not a flat one");
        // resized, the channels stay equal
        var small = Decode(BadImages.Fixture("gray8.png"), 32);
        Assert.IsTrue(small.AsSpan(0, 1024).SequenceEqual(small.AsSpan(2048, 1024)), "red and blue of a resized gray image differ");
    }

    [TestMethod]
    public void SixteenBitPng_DecodesToTheEightBitValues()
    {
        CollectionAssert.AreEqual(SourceCrop(32), Decode(BadImages.Fixture("rgb16.png"), 32));
        Assert.AreEqual((32, 32), ImageDecoder.ReadSize(BadImages.Fixture("rgb16.png")));
    }

    [TestMethod]
    public void PalettePng_DecodesToItsColours()
    {
        CollectionAssert.AreEqual(SourceCrop(16), Decode(BadImages.Fixture("palette.png"), 16));
    }

    [TestMethod]
    public void CmykJpeg_DecodesToRgbCloseToTheSource()
    {
        var cmyk = Decode(BadImages.Fixture("cmyk.jpg"), 64);
        var source = SourceCrop(64);
        double meanError = cmyk.Zip(source, (a, b) => Math.Abs(a - b)).Average();
        // JPEG at quality 95 is within a few levels; inverted (Adobe) CMYK or swapped channels would be off by ~100
        Assert.IsLessThan(5.0, meanError, $"mean |cmyk - source| = {meanError:F2}");
        for (int c = 0; c < 3; c++)
            Assert.AreEqual(source.Skip(c * 4096).Take(4096).Average(b => (double)b), cmyk.Skip(c * 4096).Take(4096).Average(b => (double)b), 3.0, $"mean of channel {c}");
    }

    [TestMethod]
    public void OtherSizesAndNonSquare_AreResizedToTheRequestedSquare()
    {
        var wide = BadImages.TwoColour(folder, "wide.png", 128, 64);
        var small = BadImages.TwoColour(folder, "small.png", 20, 20);
        foreach (var path in new[] { wide, small })
        {
            var planar = Decode(path, 32);
            Assert.HasCount(3 * 32 * 32, planar);
            // the centred square is scaled (as ML.NET's IsoCrop in the featurizer): left columns red, right columns blue
            for (int y = 0; y < 32; y += 5)
            {
                Assert.AreEqual(220, planar[y * 32 + 2], 3, $"{Path.GetFileName(path)}: red at ({y}, 2)");
                Assert.AreEqual(230, planar[2 * 1024 + y * 32 + 29], 3, $"{Path.GetFileName(path)}: blue at ({y}, 29)");
            }
        }
    }

    [TestMethod]
    public void DecodedImageSet_WithSkipList_LeavesUnreadableFilesOutInOrder()
    {
        var good = TestData.OscdRecords().Take(4).Select(r => r.ImagePath).ToList();
        var missing = Path.Combine(folder, "gone.png");
        var paths = new List<string> { good[0], BadImages.Truncated(folder), good[1], missing, good[2], BadImages.ZeroBytes(folder), good[3] };
        var rows = Enumerable.Range(100, paths.Count).Select(i => (long)i).ToList();
        var skipped = new List<SkippedImage>();
        var set = DecodedImageSet.FromFiles(paths, 32, 32, rows, skipped: skipped);
        Assert.AreEqual(4, set.Count);
        CollectionAssert.AreEqual(new[] { 1, 3, 5 }, skipped.Select(s => s.Index).ToArray());
        CollectionAssert.AreEqual(new long?[] { 101, 103, 105 }, skipped.Select(s => s.Row).ToArray());
        Assert.AreEqual(missing, skipped[1].FilePath);
        StringAssert.Contains(skipped[0].Reason, "truncated");
        StringAssert.Contains(skipped[1].Reason, "does not exist");
        for (int i = 0; i < 4; i++)
            CollectionAssert.AreEqual(Decode(good[i], 32), set.Image(i).ToArray(), $"kept image {i}");
        // without the list the first unreadable file stops the decode
        var e = Assert.ThrowsExactly<GeoDataException>(() => DecodedImageSet.FromFiles(paths, 32, 32, rows));
        Assert.AreEqual(101L, e.Row);
    }
}
