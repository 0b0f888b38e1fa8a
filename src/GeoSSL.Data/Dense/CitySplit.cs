namespace GeoSSL.Data.Dense;

/// <summary>
/// A split of labelled cities into train, validation and test, by city (never by window: windows of one city share
/// ground, sensor dates and labelling style, so a per-window split would leak). <see cref="Oscd"/> is the fixed split of
/// the 10 OSCD change cities; <see cref="LeaveOneCityOut"/> gives cross-validation folds.
/// </summary>
internal sealed class CitySplit
{
    public IReadOnlyList<string> Train { get; }
    public IReadOnlyList<string> Validation { get; }
    public IReadOnlyList<string> Test { get; }
    /// <summary>Every city of the split: train, then validation, then test.</summary>
    public IReadOnlyList<string> All => [.. Train, .. Validation, .. Test];

    /// <exception cref="ArgumentException">A city named twice (within or across the parts), or no training city.</exception>
    public CitySplit(IEnumerable<string> train, IEnumerable<string> validation, IEnumerable<string> test)
    {
        Train = train.ToArray();
        Validation = validation.ToArray();
        Test = test.ToArray();
        if (Train.Count == 0) throw new ArgumentException("A split needs at least one training city.", nameof(train));
        var twice = All.GroupBy(c => c, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"City '{twice.Key}' is in the split twice; train, validation and test must be disjoint.");
    }

    /// <summary>
    /// The fixed split of the 10 OSCD change cities (data/oscd-change). Chosen by hand, not drawn, so it never moves:
    /// <list type="bullet">
    /// <item>The three Paris-region cities (bercy, paris, saclay_e; centres 4-18 km apart, shared dates, one landscape; bercy
    /// and paris even overlap) stay together in train, so no evaluation city is a near copy of a training city.</item>
    /// <item>Validation and test each pair a high-change Asian city with a low-change French city (mumbai + nantes,
    /// beihai + bordeaux), so both see the two regimes.</item>
    /// <item>Pixel-weighted change fractions are balanced: train 2.26 % (2.30 Mpx), validation 2.01 % (0.78 Mpx),
    /// test 2.11 % (0.93 Mpx), against 2.17 % overall; a model selected on validation is judged on comparable rarity.</item>
    /// </list>
    /// The four official OSCD test cities are kept outside data/oscd-change as an independent test set; this split is for
    /// development within the 10.
    /// </summary>
    public static CitySplit Oscd { get; } = new(
        train: ["abudhabi", "hongkong", "pisa", "bercy", "paris", "saclay_e"],
        validation: ["mumbai", "nantes"],
        test: ["beihai", "bordeaux"]);

    /// <summary>
    /// One fold per city, in the given order: that city is the test set, all others train (validation empty; carve one
    /// from the training cities if early stopping needs it).
    /// </summary>
    public static IEnumerable<CitySplit> LeaveOneCityOut(IEnumerable<string> cities)
    {
        var list = cities.ToArray();
        if (list.Length < 2) throw new ArgumentException("Leave-one-city-out needs at least two cities.", nameof(cities));
        for (int i = 0; i < list.Length; i++)
            yield return new CitySplit(list.Where((_, j) => j != i), [], [list[i]]);
    }

    /// <summary>The scenes of each part, in the split's order.</summary>
    /// <exception cref="ArgumentException">A city of the split has no scene among <paramref name="scenes"/> (named).</exception>
    public (IReadOnlyList<DenseScene> Train, IReadOnlyList<DenseScene> Validation, IReadOnlyList<DenseScene> Test) Select(IEnumerable<DenseScene> scenes)
    {
        var byName = scenes.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        IReadOnlyList<DenseScene> Pick(IReadOnlyList<string> names) => names.Select(n => byName.TryGetValue(n, out var s) ? s
            : throw new ArgumentException($"City '{n}' of the split is not among the scenes ({string.Join(", ", byName.Keys)}).", nameof(scenes))).ToList();
        return (Pick(Train), Pick(Validation), Pick(Test));
    }

    public override string ToString() => $"train {string.Join(",", Train)} | validation {string.Join(",", Validation)} | test {string.Join(",", Test)}";
}
