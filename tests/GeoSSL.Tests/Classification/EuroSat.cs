using GeoSSL.Core.Classification;
using GeoSSL.Data.Images;

namespace GeoSSL.Tests.Classification;

/// <summary>The 300 bundled EuroSAT patches decoded for the Core fine-tuning tests, and a fixed stratified split.</summary>
internal static class EuroSat
{
    public static readonly string[] ClassNames = TestData.EuroSatPatches().Select(p => p.Label).Distinct().ToArray();

    private static readonly Dictionary<int, LabeledImages> cache = new();

    /// <summary>All 300 patches at <paramref name="size"/> px with 0-based class indices in <see cref="ClassNames"/> order.</summary>
    public static LabeledImages All(int size)
    {
        lock (cache)
        {
            if (cache.TryGetValue(size, out var hit)) return hit;
            var patches = TestData.EuroSatPatches();
            var set = DecodedImageSet.FromFiles(patches.Select(p => p.ImagePath).ToList(), size, size);
            var pixels = new byte[set.Count * set.ImageBytes];
            for (int i = 0; i < set.Count; i++) set.Image(i).CopyTo(pixels.AsSpan(i * set.ImageBytes));
            var labels = patches.Select(p => Array.IndexOf(ClassNames, p.Label)).ToArray();
            return cache[size] = new LabeledImages(pixels, labels, 3, size, size);
        }
    }

    /// <summary>Rows held out for validation: every fifth patch (6 per class, 60 in all).</summary>
    public static bool IsValidation(int row) => row % 5 == 4;

    public static (LabeledImages Train, LabeledImages Validation) Split(int size)
    {
        var all = All(size);
        var rows = Enumerable.Range(0, all.Count).ToList();
        return (all.Subset(rows.Where(r => !IsValidation(r)).ToList()), all.Subset(rows.Where(IsValidation).ToList()));
    }
}
