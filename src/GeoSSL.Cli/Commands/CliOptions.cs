using System.CommandLine;
using System.Text.RegularExpressions;

namespace GeoSSL.Cli.Commands;

/// <summary>Option factories shared by the verbs, so the same option reads and validates the same way everywhere.</summary>
internal static partial class CliOptions
{
    public static Option<T> Make<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    public static Option<string> File(string name, string description, bool required = false) =>
        new(name) { Description = description, Required = required, HelpName = "FILE" };

    /// <summary>An int option that must be at least <paramref name="minimum"/>: a bad value is a parse error (exit 2).</summary>
    public static Option<int> AtLeast(string name, string description, int defaultValue, int minimum)
    {
        var option = Make(name, description, defaultValue);
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < minimum) r.AddError($"{name} must be at least {minimum}; got {r.GetValueOrDefault<int>()}.");
        });
        return option;
    }

    public static Option<double> Positive(string name, string description, double defaultValue)
    {
        var option = Make(name, description, defaultValue);
        option.Validators.Add(r =>
        {
            double v = r.GetValueOrDefault<double>();
            if (!(v > 0) || double.IsInfinity(v)) r.AddError($"{name} must be a positive number; got {v}.");
        });
        return option;
    }

    /// <summary>auto, cpu, cuda or cuda:N, checked before any work starts.</summary>
    public static Option<string> Device()
    {
        var option = Make("--device", "Where to train: auto, cpu, cuda or cuda:N.", "auto");
        option.Validators.Add(r =>
        {
            string v = r.GetValueOrDefault<string>() ?? "";
            if (!DevicePattern().IsMatch(v)) r.AddError($"--device must be auto, cpu, cuda or cuda:N; got '{v}'.");
        });
        return option;
    }

    public static Option<int> Seed() => Make("--seed", "Random seed (weights, augmentation, data order).", 1);

    [GeneratedRegex("^(auto|cpu|cuda(:[0-9]+)?)$")]
    private static partial Regex DevicePattern();

    private static readonly Dictionary<string, GeoSSL.MLNet.TestTimeAugmentation> ViewNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = GeoSSL.MLNet.TestTimeAugmentation.None, ["hflip"] = GeoSSL.MLNet.TestTimeAugmentation.HorizontalFlip,
        ["flips"] = GeoSSL.MLNet.TestTimeAugmentation.Flips, ["dihedral"] = GeoSSL.MLNet.TestTimeAugmentation.Dihedral,
    };

    /// <summary>--views: test-time views averaged by the featurizer (checkpoints and imagenet); a wrong name is a parse error (exit 2).</summary>
    public static Option<string?> Views()
    {
        var option = new Option<string?>("--views")
        {
            Description = "Average the features over mirrored/rotated views (checkpoints and imagenet): none, hflip, flips (4 views) or dihedral (8); " +
                "each view is one more encoder pass. Default: none, or imagenet's flips.",
            HelpName = "none|hflip|flips|dihedral",
        };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } v && !ViewNames.ContainsKey(v)) r.AddError($"--views must be none, hflip, flips or dihedral; got '{v}'.");
        });
        return option;
    }

    public static GeoSSL.MLNet.TestTimeAugmentation? ParseViews(string? value) => value is null ? null : ViewNames[value];
}
