using GeoSSL.Data.Images;
using GeoSSL.Data.Records;
using SkiaSharp;

namespace GeoSSL.Tests.Data;

[TestClass]
public sealed class ImageDecoderTests
{
    private static readonly List<GeoImageRecord> Records = TestData.OscdRecords();

    private static byte[] Decode(string path, int size, long? row = null)
    {
        var buffer = new byte[3 * size * size];
        ImageDecoder.DecodeRgbPlanar(path, size, size, buffer, row);
        return buffer;
    }

    [TestMethod]
    public void RealTile_PlanarRgbEqualsSkiaSharpPixels()
    {
        var decoded = new List<byte[]>();
        foreach (int index in new[] { 0, 57, 201, 319 })
        {
            var path = Records[index].ImagePath;
            Assert.AreEqual((64, 64), ImageDecoder.ReadSize(path));
            var planar = Decode(path, 64);
            using var bitmap = SKBitmap.Decode(path);
            Assert.AreEqual(64, bitmap.Width);
            Assert.AreEqual(64, bitmap.Height);
            const int plane = 64 * 64;
            int mismatches = 0;
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                {
                    var c = bitmap.GetPixel(x, y);
                    int i = y * 64 + x;
                    if (planar[i] != c.Red || planar[plane + i] != c.Green || planar[2 * plane + i] != c.Blue) mismatches++;
                }
            Assert.AreEqual(0, mismatches, $"{path}: {mismatches} pixels differ from SkiaSharp's decode");
            Assert.IsFalse(planar.AsSpan(0, plane).SequenceEqual(planar.AsSpan(2 * plane, plane)), "red and blue planes are identical");
            decoded.Add(planar);
        }
        // real, different tiles: not blanks, not all the same
        Assert.IsGreaterThan(50, decoded.SelectMany(d => d).Max() - decoded.SelectMany(d => d).Min());
        Assert.IsFalse(decoded[0].SequenceEqual(decoded[1]));
    }

    [TestMethod]
    public void FromInterleaved_RgbaAndBgra_MatchFileDecode()
    {
        var path = Records[42].ImagePath;
        var expected = Decode(path, 64);
        using var bitmap = SKBitmap.Decode(path);
        var rgba = new byte[64 * 64 * 4];
        var bgra = new byte[64 * 64 * 4];
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
            {
                var c = bitmap.GetPixel(x, y);
                int o = 4 * (y * 64 + x);
                (rgba[o], rgba[o + 1], rgba[o + 2], rgba[o + 3]) = (c.Red, c.Green, c.Blue, 255);
                (bgra[o], bgra[o + 1], bgra[o + 2], bgra[o + 3]) = (c.Blue, c.Green, c.Red, 255);
            }
        var fromRgba = new byte[expected.Length];
        var fromBgra = new byte[expected.Length];
        ImageDecoder.FromInterleaved(rgba, 64, 64, bgra: false, 64, 64, fromRgba);
        ImageDecoder.FromInterleaved(bgra, 64, 64, bgra: true, 64, 64, fromBgra);
        CollectionAssert.AreEqual(expected, fromRgba);
        CollectionAssert.AreEqual(expected, fromBgra);
    }

    [TestMethod]
    public void ResizeTo32_HasTheRightLengthAndKeepsTheContent()
    {
        var path = Records[100].ImagePath;
        var full = Decode(path, 64);
        var small = Decode(path, 32);
        Assert.HasCount(3 * 32 * 32, small);
        var set = DecodedImageSet.FromFiles([path, Records[101].ImagePath], 32, 32);
        Assert.AreEqual(2, set.Count);
        Assert.AreEqual(3 * 32 * 32, set.ImageBytes);
        Assert.AreEqual(3 * 32 * 32, set.Image(1).Length);
        CollectionAssert.AreEqual(small, set.Image(0).ToArray());

        // each downsampled pixel is close to the mean of its 2x2 block (a filtered resize, not a blank or a shift)
        double totalError = 0;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                {
                    double block = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                            block += full[c * 4096 + (2 * y + dy) * 64 + 2 * x + dx];
                    totalError += Math.Abs(small[c * 1024 + y * 32 + x] - block / 4);
                }
        double meanError = totalError / small.Length;
        Assert.IsLessThan(6.0, meanError, $"mean |resized - 2x2 block mean| = {meanError:F2} grey levels");
        Assert.AreEqual(full.Average(b => (double)b), small.Average(b => (double)b), 2.0);

        Assert.Throws<ArgumentException>(() => ImageDecoder.DecodeRgbPlanar(path, 32, 32, new byte[3 * 32 * 32 - 1]));
    }

    [TestMethod]
    public void MissingFile_ThrowsGeoDataExceptionNamingThePath()
    {
        var missing = Path.Combine(TestData.TempFolder("decoder-missing"), "no_such_tile.png");
        var e = Assert.ThrowsExactly<GeoDataException>(() => Decode(missing, 32));
        StringAssert.Contains(e.Message, missing);
        Assert.AreEqual(missing, e.FilePath);
        Assert.IsNull(e.Row);

        var withRow = Assert.ThrowsExactly<GeoDataException>(() => Decode(missing, 32, row: 17));
        StringAssert.StartsWith(withRow.Message, "Row 17: ");
        StringAssert.Contains(withRow.Message, missing);
        Assert.AreEqual(17L, withRow.Row);

        var size = Assert.ThrowsExactly<GeoDataException>(() => ImageDecoder.ReadSize(missing, 3));
        StringAssert.Contains(size.Message, missing);
    }

    [TestMethod]
    public void CorruptFile_ThrowsGeoDataExceptionNamingTheFile()
    {
        var folder = TestData.TempFolder("decoder-corrupt");
        var corrupt = Path.Combine(folder, "corrupt_tile.png");
        var bytes = new byte[4096];
        new Random(123).NextBytes(bytes);
        File.WriteAllBytes(corrupt, bytes);
        var e = Assert.ThrowsExactly<GeoDataException>(() => Decode(corrupt, 64, row: 5));
        StringAssert.Contains(e.Message, corrupt);
        StringAssert.Contains(e.Message, "Row 5");
        Assert.AreEqual(corrupt, e.FilePath);

        var empty = Path.Combine(folder, "empty.png");
        File.WriteAllBytes(empty, []);
        var e2 = Assert.ThrowsExactly<GeoDataException>(() => Decode(empty, 64));
        StringAssert.Contains(e2.Message, empty);
        Assert.ThrowsExactly<GeoDataException>(() => ImageDecoder.ReadSize(corrupt));
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void DecodedImageSet_FromFiles_MatchesPerFileDecode()
    {
        var paths = Records.Take(24).Select(r => r.ImagePath).ToList();
        var set = DecodedImageSet.FromFiles(paths, 64, 64, Records.Take(24).Select(r => r.Row).ToList());
        Assert.AreEqual(24, set.Count);
        Assert.AreEqual(64, set.Height);
        Assert.AreEqual(64, set.Width);
        Assert.AreEqual(3, set.Channels);
        foreach (int i in new[] { 0, 7, 23 })
            CollectionAssert.AreEqual(Decode(paths[i], 64), set.Image(i).ToArray(), $"image {i}");
        Assert.IsFalse(set.Image(0).SequenceEqual(set.Image(1)), "two dates of one location decoded to identical bytes");
    }

    [TestMethod]
    public void DecodedImageSet_FromFiles_MissingPathNamesThePathAndRow()
    {
        var missing = Path.Combine(TestData.TempFolder("decodedset-missing"), "gone.png");
        var paths = new List<string> { Records[0].ImagePath, Records[1].ImagePath, missing, Records[3].ImagePath };
        var rows = new List<long> { 10, 11, 12, 13 };
        // The documented contract of the data layer is a GeoDataException naming the row and file; Parallel.For must
        // not hide it inside an AggregateException (that is what GeoContrastivePretrainEstimator.Fit would surface).
        var e = Assert.ThrowsExactly<GeoDataException>(() => DecodedImageSet.FromFiles(paths, 64, 64, rows));
        StringAssert.Contains(e.Message, missing);
        StringAssert.Contains(e.Message, "Row 12");
        Assert.AreEqual(12L, e.Row);
        Assert.AreEqual(missing, e.FilePath);
    }

    [TestMethod]
    public void DecodedImageSet_TwoFailures_ReportsTheLowestRow()
    {
        // the last image fails at once on one thread while the first fails later on another
        void Load(int i, Memory<byte> _)
        {
            if (i == 0) { Thread.Sleep(300); throw new GeoDataException($"Row {i}: first image is bad.", i); }
            if (i == 39) throw new GeoDataException($"Row {i}: last image is bad.", i);
        }
        var e = Assert.ThrowsExactly<GeoDataException>(() => DecodedImageSet.Decode(40, 8, 8, Load));
        Assert.AreEqual(0L, e.Row, e.Message);
    }
}
