using GeoSSL.Core.Export;
using GeoSSL.Data.Input;

namespace GeoSSL.Core.Dense;

/// <summary>
/// How <see cref="OnnxDenseExporter"/> writes a <see cref="DenseModel"/>. The graph takes raw images
/// float[N, C, InputHeight, InputWidth] named <see cref="Image1Name"/> (and <see cref="Image2Name"/> for change models),
/// normalises each as <c>(x * InputScale - Mean) / Std</c> (the encoder exporter's normalisation), and returns softmax
/// probabilities float[N, K, InputHeight, InputWidth] named <see cref="ProbabilitiesName"/>.
/// </summary>
public sealed record OnnxDenseExportOptions
{
    private readonly ImageInputSpec? input;

    /// <summary>What each image input is (bands, sample scale, normalisation, size); sets the fields below and is stored in the metadata.</summary>
    public ImageInputSpec? Input
    {
        get => input;
        init
        {
            input = value;
            if (value is null) return;
            value.Validate();
            InputHeight = value.Height; InputWidth = value.Width; InputScale = 1f / value.SampleDivisor;
            Mean = value.Mean; Std = value.Std; MeanImage = value.MeanImage;
        }
    }

    /// <summary>Name of the (first date's) image input.</summary>
    public string Image1Name { get; init; } = "image1";

    /// <summary>Name of the second date's image input (change models only).</summary>
    public string Image2Name { get; init; } = "image2";

    /// <summary>Name of the probability output [N, K, H, W].</summary>
    public string ProbabilitiesName { get; init; } = "probabilities";

    /// <summary>
    /// Output only the probability of class 1 (for a change model: change), float[N, H, W], under <see cref="ProbabilitiesName"/>
    /// instead of all K classes: a per-pixel map that consumers such as ML.NET's ApplyOnnxModel read without selecting a channel.
    /// </summary>
    public bool PositiveClassOnly { get; init; }

    /// <summary>
    /// Inputs take exactly one image, [1, C, H, W], and the output has no batch axis ([K, H, W], or [H, W] with
    /// <see cref="PositiveClassOnly"/>): for consumers that run one row at a time and type the result by the declared
    /// output shape, as ML.NET's ApplyOnnxModel does (it would report a batched output as [1, ...]).
    /// </summary>
    public bool SingleImage { get; init; }

    /// <summary>Fixed input (and output) height.</summary>
    public int InputHeight { get; init; }

    /// <summary>Fixed input (and output) width.</summary>
    public int InputWidth { get; init; }

    /// <summary>Factor multiplied into the input before mean/std normalisation (1/255 for 0..255 pixels).</summary>
    public float InputScale { get; init; } = 1f;

    /// <summary>Per-channel mean (length C or 1), or null.</summary>
    public float[]? Mean { get; init; }

    /// <summary>Per-channel standard deviation (length C or 1), or null.</summary>
    public float[]? Std { get; init; }

    /// <summary>Per-pixel mean subtracted instead of <see cref="Mean"/>, or null.</summary>
    public MeanImage? MeanImage { get; init; }

    /// <summary>Class names in output order, stored in the metadata ("geossl.class_names"); optional.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    public string ProducerName { get; init; } = "GeoSSL.MLNet";

    /// <summary>The encoder exporter's options for one image input: its validation and normalisation are reused as they are.</summary>
    internal OnnxExportOptions ForInput(string name) => new()
    {
        InputName = name, OutputName = ProbabilitiesName, InputHeight = InputHeight, InputWidth = InputWidth,
        InputScale = InputScale, Mean = Mean, Std = Std, MeanImage = MeanImage, ProducerName = ProducerName,
    };
}
