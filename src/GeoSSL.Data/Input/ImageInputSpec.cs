using System.Text.Json;
using System.Text.Json.Serialization;

namespace GeoSSL.Data.Input;

/// <summary>
/// What an encoder takes, in one record: its bands, how raw samples are stored and scaled, the normalisation
/// (per-band mean/std or a mean image), the input size and how other sizes are resized. Every path that touches
/// pixels asks it: the readers produce <see cref="Channels"/> samples per pixel of <see cref="SampleType"/>, one
/// normalisation in TorchSharp and one in the exported ONNX graph compute <c>(raw / SampleDivisor - Mean) / Std</c>,
/// and it is stored in checkpoints and in the ONNX metadata (<see cref="MetadataKey"/>), so a saved featurizer knows
/// what it expects. Multispectral input is a spec with more bands, not another code path.
/// </summary>
internal sealed record ImageInputSpec
{
    /// <summary>Key of the spec's JSON in an exported ONNX model's metadata.</summary>
    public const string MetadataKey = "geossl.input";

    /// <summary>The divisor of 8-bit samples: 0..255 to 0..1.</summary>
    public const float ByteDivisor = 255f;

    /// <summary>Band names of ordinary colour images.</summary>
    public static IReadOnlyList<string> RgbBands { get; } = ["R", "G", "B"];

    /// <summary>ImageNet per-channel RGB mean of pixels scaled to 0..1.</summary>
    public static float[] ImageNetMean => [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet per-channel RGB standard deviation of pixels scaled to 0..1.</summary>
    public static float[] ImageNetStd => [0.229f, 0.224f, 0.225f];

    /// <summary>Band names in channel order (R, G, B for colour images; e.g. B02, B03, B04, B08 for Sentinel-2).</summary>
    public string[] Bands { get; init; } = ["R", "G", "B"];

    /// <summary>Number of input channels (one per band).</summary>
    [JsonIgnore] public int Channels => Bands.Length;

    /// <summary>How raw samples are stored (bytes for PNG/JPEG, uint16 for Sentinel-2 reflectance, float).</summary>
    public SampleType SampleType { get; init; } = SampleType.Byte;

    /// <summary>Raw samples are divided by this before normalisation: 255 for bytes, 10000 for Sentinel-2 reflectance, 1 for floats.</summary>
    public float SampleDivisor { get; init; } = ByteDivisor;

    /// <summary>Per-band mean of the scaled samples (ImageNet's by default).</summary>
    public float[] Mean { get; init; } = ImageNetMean;

    /// <summary>Per-band standard deviation of the scaled samples (ImageNet's by default).</summary>
    public float[] Std { get; init; } = ImageNetStd;

    /// <summary>Per-pixel mean subtracted instead of <see cref="Mean"/> (resized to the input size); null for the per-band mean.</summary>
    public MeanImage? MeanImage { get; init; }

    /// <summary>Input height in pixels.</summary>
    public int Height { get; init; } = 224;

    /// <summary>Input width in pixels.</summary>
    public int Width { get; init; } = 224;

    /// <summary>How images of another size are brought to <see cref="Height"/> x <see cref="Width"/> (centre crop by default, as ML.NET's ResizeImages).</summary>
    public ResizeMode Resize { get; init; } = ResizeMode.CenterCrop;

    /// <summary>8-bit colour images of <paramref name="size"/> x <paramref name="size"/>, ImageNet normalisation unless given.</summary>
    public static ImageInputSpec Rgb(int size, float[]? mean = null, float[]? std = null, MeanImage? meanImage = null) => new()
    {
        Height = size, Width = size, Mean = mean ?? ImageNetMean, Std = std ?? ImageNetStd, MeanImage = meanImage,
    };

    /// <summary>
    /// Multispectral input: the named bands, raw samples of <paramref name="sampleType"/> divided by <paramref name="divisor"/>
    /// (10000 turns Sentinel-2 L1C/L2A digital numbers into reflectance), normalised with per-band statistics of the scaled values.
    /// </summary>
    public static ImageInputSpec Multispectral(IReadOnlyList<string> bands, int size, float[] mean, float[] std,
        SampleType sampleType = SampleType.UInt16, float divisor = 10000f) => new()
    {
        Bands = bands.ToArray(), SampleType = sampleType, SampleDivisor = divisor, Mean = mean, Std = std, Height = size, Width = size,
    };

    /// <summary>The same spec at another input size (the mean image, if any, is resized when it is applied).</summary>
    public ImageInputSpec WithSize(int height, int width) => this with { Height = height, Width = width };

    /// <summary>Samples in one image (C x H x W).</summary>
    [JsonIgnore] public int ValuesPerImage => Channels * Height * Width;

    /// <summary>Bytes one sample takes in memory: 1 for bytes, 4 otherwise (uint16 is held as float).</summary>
    [JsonIgnore] public int BytesPerSample => SampleType == SampleType.Byte ? 1 : 4;

    /// <summary>How samples are held in memory buffers: bytes stay bytes, every other type is float32 (exact for uint16).</summary>
    [JsonIgnore] public SampleType StoredAs => SampleType == SampleType.Byte ? SampleType.Byte : SampleType.Float32;

    /// <summary>
    /// True when the bands are red, green and blue in that order (R,G,B or Sentinel-2's B04,B03,B02): colour augmentations
    /// (saturation, hue, grayscale) and RGB weights apply as they were meant.
    /// </summary>
    [JsonIgnore]
    public bool IsTrueColour => Channels == 3 &&
        (Bands.SequenceEqual(RgbBands, StringComparer.OrdinalIgnoreCase) || Bands.SequenceEqual(["B04", "B03", "B02"], StringComparer.OrdinalIgnoreCase));

    /// <summary>True for 8-bit data (divided by 255, however it is stored): scaled values lie in 0..1, so augmentations may clamp to that range.</summary>
    [JsonIgnore] public bool IsUnitRange => SampleDivisor == ByteDivisor;

    /// <summary>Throws an ArgumentException naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (Bands is null || Bands.Length == 0) throw new ArgumentException("The input needs at least one band.", nameof(Bands));
        if (Bands.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("Band names cannot be empty.", nameof(Bands));
        var repeated = Bands.GroupBy(b => b, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"Band '{repeated.Key}' appears twice in [{string.Join(",", Bands)}].", nameof(Bands));
        if (!float.IsFinite(SampleDivisor) || SampleDivisor <= 0)
            throw new ArgumentOutOfRangeException(nameof(SampleDivisor), SampleDivisor, "The sample divisor must be finite and positive (255 for bytes, 10000 for reflectance, 1 for floats).");
        if (Height < 8 || Width < 8) throw new ArgumentOutOfRangeException(nameof(Height), $"The input must be at least 8x8 pixels; got {Height}x{Width}.");
        if (Mean is null || Std is null || Mean.Length != Channels || Std.Length != Channels)
            throw new ArgumentException($"Mean and Std need one value per input channel ({Channels}: {string.Join(",", Bands)}); got {Mean?.Length ?? 0} and {Std?.Length ?? 0}.");
        if (Mean.Any(m => !float.IsFinite(m))) throw new ArgumentException("Mean values must be finite.", nameof(Mean));
        if (Std.Any(s => !(s > 0) || !float.IsFinite(s))) throw new ArgumentException("Every Std value must be positive and finite.", nameof(Std));
        MeanImage?.Validate(Channels);
    }

    /// <summary>One line for logs and reports, e.g. "4 bands B02,B03,B04,B08 (uint16 / 10000) at 64x64, centre crop".</summary>
    public override string ToString() =>
        $"{Channels} band{(Channels == 1 ? "" : "s")} {string.Join(",", Bands)} ({SampleType.ToString().ToLowerInvariant()} / {SampleDivisor:G}) at {Height}x{Width}, " +
        (Resize == ResizeMode.CenterCrop ? "centre crop" : "stretch") + (MeanImage is null ? "" : ", mean image");

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The spec as JSON (the form stored in checkpoints and ONNX metadata).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a spec written by <see cref="ToJson"/>; <paramref name="source"/> names where it came from in errors.</summary>
    public static ImageInputSpec FromJson(string json, string source)
    {
        ImageInputSpec? spec;
        try { spec = JsonSerializer.Deserialize<ImageInputSpec>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the input description is not valid JSON ({e.Message}).", e); }
        if (spec is null) throw new InvalidDataException($"{source}: the input description is empty.");
        try { spec.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: the input description is inconsistent: {e.Message}", e); }
        return spec;
    }
}
