using System.Globalization;

namespace GeoSSL.Benchmarks;

/// <summary>A pretraining tile as ML.NET reads it.</summary>
public sealed class TileRow
{
    public string ImagePath { get; set; } = "";
    public string LocationId { get; set; } = "";
    public string City { get; set; } = "";
    public double Latitude { get; set; }
    public double Longitude { get; set; }
    public string Date { get; set; } = "";
}

/// <summary>A labelled land-cover patch.</summary>
public sealed class PatchRow
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>The shared OSCD tiles and a fixed, stratified EuroSAT train/validation split.</summary>
internal static class BenchmarkData
{
    public static List<TileRow> OscdTiles(BenchmarkArgs args)
    {
        string folder = Path.Combine(SharedData.Root(args), "data", "oscd-s2-rgb");
        var lines = File.ReadAllLines(Path.Combine(folder, "manifest.csv"));
        var header = lines[0].Split(',').Select((h, i) => (h, i)).ToDictionary(p => p.h, p => p.i);
        return lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).Select(f => new TileRow
        {
            ImagePath = Path.Combine(folder, f[header["ImagePath"]]), LocationId = f[header["LocationId"]], City = f[header["City"]],
            Latitude = double.Parse(f[header["Latitude"]], CultureInfo.InvariantCulture),
            Longitude = double.Parse(f[header["Longitude"]], CultureInfo.InvariantCulture), Date = f[header["Date"]],
        }).ToList();
    }

    /// <summary>
    /// That share of each class's rows (at least one), the first of a per-class shuffle fixed by <paramref name="seed"/>, in
    /// their original order; all rows for 1. The probe's feature banks and the fine-tuning runs draw the same patches.
    /// </summary>
    public static List<T> PerClassShare<T>(IReadOnlyList<T> rows, Func<T, string> label, double fraction, int seed)
    {
        if (fraction >= 1) return rows.ToList();
        var random = new Random(seed);
        return Enumerable.Range(0, rows.Count).GroupBy(i => label(rows[i]))
            .SelectMany(g => g.OrderBy(_ => random.Next()).Take(Math.Max(1, (int)Math.Round(g.Count() * fraction))))
            .Order().Select(i => rows[i]).ToList();
    }

    /// <summary>
    /// Per class, the files in name order are shuffled with <paramref name="seed"/>; the first <paramref name="trainFraction"/>
    /// train, the rest validate. Optional caps per class keep small runs small. Every setting is chosen on this validation part.
    /// </summary>
    public static (List<PatchRow> Train, List<PatchRow> Validation) EuroSatSplit(BenchmarkArgs args, int seed, double trainFraction,
        int? maxTrainPerClass, int? maxValidationPerClass)
    {
        var train = new List<PatchRow>();
        var validation = new List<PatchRow>();
        foreach (var group in SharedData.EuroSatImages(args).GroupBy(p => p.Label))
        {
            var files = group.ToList();
            var rng = new Random(seed);
            var shuffled = files.OrderBy(_ => rng.Next()).ToList();
            int cut = (int)Math.Round(shuffled.Count * trainFraction);
            train.AddRange(shuffled.Take(Math.Min(cut, maxTrainPerClass ?? int.MaxValue)).Select(p => new PatchRow { ImagePath = p.Path, Label = p.Label }));
            validation.AddRange(shuffled.Skip(cut).Take(maxValidationPerClass ?? int.MaxValue).Select(p => new PatchRow { ImagePath = p.Path, Label = p.Label }));
        }
        return (train, validation);
    }
}
