using GeoSSL.Core.Networks;
using GeoSSL.Data.Input;

namespace GeoSSL.Core.Export;

/// <summary>
/// How the ONNX exporters write a model: one set of options for the encoder (<see cref="OnnxEncoderExporter"/>), the
/// classifier (<see cref="OnnxClassifierExporter"/>) and the dense models (<see cref="Dense.OnnxDenseExporter"/>), which all
/// start with the same input normalisation and encoder nodes. Every graph takes <c>float[N, C, InputHeight, InputWidth]</c>
/// (planar CHW, symbolic batch "N") and applies <c>(x * InputScale - Mean) / Std</c> per channel (or subtracts a mean image).
/// The encoder returns <c>float[N, D]</c> pooled features (optionally projected and L2-normalised); the classifier softmax
/// probabilities and the arg-max index; a dense model per-pixel probabilities. Set <see cref="Input"/> and the size and
/// normalisation follow from the input contract, which is also written to the model's metadata; the separate fields remain
/// for graphs that describe no image input (e.g. tests of the arithmetic). <see cref="ForClassifier"/> and
/// <see cref="ForDense"/> give the other models' conventional names.
/// </summary>
internal sealed record OnnxExportOptions
{
    /// <summary>Classifier names: input "input", outputs "probabilities" [N, K] and "label_index" [N, 1].</summary>
    public static OnnxExportOptions ForClassifier(ImageInputSpec? input = null) =>
        new() { Input = input, OutputName = "probabilities", GraphName = "geossl_classifier" };

    /// <summary>Dense-model names: inputs "image1" (and "image2" for change models), output "probabilities" [N, K, H, W].</summary>
    public static OnnxExportOptions ForDense(ImageInputSpec? input = null) =>
        new() { Input = input, InputName = "image1", OutputName = "probabilities", GraphName = "geossl_dense" };

    /// <summary>ImageNet per-channel RGB mean (for inputs scaled to 0..1).</summary>
    public static float[] ImageNetMean => ImageInputSpec.ImageNetMean;

    /// <summary>ImageNet per-channel RGB standard deviation (for inputs scaled to 0..1).</summary>
    public static float[] ImageNetStd => ImageInputSpec.ImageNetStd;

    private readonly ImageInputSpec? input;

    /// <summary>
    /// What the graph takes (bands, raw sample scale, normalisation, size). Setting it sets <see cref="InputHeight"/>,
    /// <see cref="InputWidth"/>, <see cref="InputScale"/> (1 / SampleDivisor), <see cref="Mean"/>, <see cref="Std"/> and
    /// <see cref="MeanImage"/>, and the exporter stores its JSON in the metadata under <see cref="ImageInputSpec.MetadataKey"/>.
    /// </summary>
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

    /// <summary>Name of the graph input (the first date's image for change models).</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Name of the second date's image input (change models only).</summary>
    public string SecondInputName { get; init; } = "image2";

    /// <summary>Name of the graph output: the features of an encoder, the probabilities of a classifier or dense model.</summary>
    public string OutputName { get; init; } = "features";

    /// <summary>Classifier only: name of the predicted-class output, int64 [N, 1] (the index of the highest probability, the first on ties).</summary>
    public string LabelIndexName { get; init; } = "label_index";

    /// <summary>Classifier and dense models: class names in output order, stored in the metadata ("geossl.class_names"); optional.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>
    /// Dense models only: output only the probability of class 1 (for a change model: change), float[N, H, W], instead of all K
    /// classes: a per-pixel map that consumers such as ML.NET's ApplyOnnxModel read without selecting a channel.
    /// </summary>
    public bool PositiveClassOnly { get; init; }

    /// <summary>
    /// Dense models only: inputs take exactly one image, [1, C, H, W], and the output has no batch axis ([K, H, W], or [H, W]
    /// with <see cref="PositiveClassOnly"/>): for consumers that run one row at a time and type the result by the declared
    /// output shape, as ML.NET's ApplyOnnxModel does (it would report a batched output as [1, ...]).
    /// </summary>
    public bool SingleImage { get; init; }

    /// <summary>Fixed input height baked into the input shape.</summary>
    public int InputHeight { get; init; }

    /// <summary>Fixed input width baked into the input shape.</summary>
    public int InputWidth { get; init; }

    /// <summary>Factor multiplied into the input before mean/std normalisation (1/255 when pixels arrive as 0..255).</summary>
    public float InputScale { get; init; } = 1f;

    /// <summary>Per-channel mean subtracted after scaling (length InputChannels, or 1 for all channels); null for none.</summary>
    public float[]? Mean { get; init; }

    /// <summary>Per-channel standard deviation divided after subtracting the mean (length InputChannels, or 1); null for none.</summary>
    public float[]? Std { get; init; }

    /// <summary>Per-pixel mean (0..1 scale after InputScale) subtracted instead of <see cref="Mean"/>, resized to the input size; null for none.</summary>
    public MeanImage? MeanImage { get; init; }

    /// <summary>
    /// Residual stages (1-4, ascending) whose global-average-pooled outputs are concatenated into the features. [4], the
    /// default, is the usual pooled output; [3, 4] adds layer3's channels (768 floats for a ResNet-18 instead of 512).
    /// </summary>
    public int[] PooledLayers { get; init; } = [4];

    /// <summary>
    /// Besides each pooled stage's channel means, output its channel standard deviations over the positions (population, as
    /// the mean is): [mean(layer a), std(layer a), mean(layer b), std(layer b), ...], twice the width. Land cover is texture;
    /// how strongly a channel varies across the patch says what its mean cannot.
    /// </summary>
    public bool PoolStandardDeviation { get; init; }

    /// <summary>
    /// Views of each image whose features are averaged (one encoder call on a batch of V·N), so a patch and its mirror or
    /// rotated copy get the same features; V times the encoder work. <see cref="TestTimeAugmentation.Dihedral"/> needs a square input.
    /// </summary>
    public TestTimeAugmentation TestTimeAugmentation { get; init; }

    /// <summary>Projection head applied to the pooled features (Gemm, Relu, Gemm); null to output pooled features.</summary>
    public ProjectionHead? Head { get; init; }

    /// <summary>Divide the output by its L2 norm (clamped below at 1e-12, as torch.nn.functional.normalize).</summary>
    public bool L2NormalizeOutput { get; init; }

    /// <summary>producer_name of the ONNX model.</summary>
    public string ProducerName { get; init; } = "GeoSSL.MLNet";

    /// <summary>graph name of the ONNX model.</summary>
    public string GraphName { get; init; } = "geossl_encoder";

    /// <summary>Refuses settings of the encoder's head (pooled stages, projection, L2) in a model that puts its own head there.</summary>
    internal void RequireNoEncoderHead(string model)
    {
        if (!PooledLayers.SequenceEqual([4]) || Head is not null || L2NormalizeOutput || PoolStandardDeviation || TestTimeAugmentation != TestTimeAugmentation.None)
            throw new ArgumentException($"PooledLayers, PoolStandardDeviation, TestTimeAugmentation, Head and L2NormalizeOutput shape an encoder's output; a {model} puts its own head there.", nameof(PooledLayers));
    }

    internal void Validate(ResNetEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        if (string.IsNullOrWhiteSpace(InputName)) throw new ArgumentException("InputName must be set.", nameof(InputName));
        if (string.IsNullOrWhiteSpace(OutputName)) throw new ArgumentException("OutputName must be set.", nameof(OutputName));
        if (InputName == OutputName) throw new ArgumentException("InputName and OutputName must differ.", nameof(OutputName));
        if (InputHeight < 1) throw new ArgumentOutOfRangeException(nameof(InputHeight), InputHeight, "Input height must be positive.");
        if (InputWidth < 1) throw new ArgumentOutOfRangeException(nameof(InputWidth), InputWidth, "Input width must be positive.");
        if (!float.IsFinite(InputScale) || InputScale == 0f)
            throw new ArgumentOutOfRangeException(nameof(InputScale), InputScale, "Input scale must be finite and non-zero.");
        int channels = encoder.Options.InputChannels;
        if (Mean is not null)
        {
            if (Mean.Length != channels && Mean.Length != 1)
                throw new ArgumentException($"Mean has {Mean.Length} values; the encoder takes {channels} channels.", nameof(Mean));
            if (Mean.Any(m => !float.IsFinite(m))) throw new ArgumentException("Mean values must be finite.", nameof(Mean));
        }
        if (Std is not null)
        {
            if (Std.Length != channels && Std.Length != 1)
                throw new ArgumentException($"Std has {Std.Length} values; the encoder takes {channels} channels.", nameof(Std));
            if (Std.Any(s => !float.IsFinite(s) || s == 0f)) throw new ArgumentException("Std values must be finite and non-zero.", nameof(Std));
        }
        MeanImage?.Validate(channels);
        _ = TestTimeAugmentation.Views(); // an undefined value fails here
        if (TestTimeAugmentation == TestTimeAugmentation.Dihedral && InputHeight != InputWidth)
            throw new ArgumentException($"Dihedral test-time augmentation rotates the image by 90°; the input must be square, not {InputHeight}x{InputWidth}.", nameof(TestTimeAugmentation));
        ResNetOptions.ValidatePooledLayers(PooledLayers);
        if (Head is not null && PoolStandardDeviation)
            throw new ArgumentException("A projection head reads layer4's pooled means; PoolStandardDeviation must be false with a head.", nameof(PoolStandardDeviation));
        if (Head is not null && !PooledLayers.SequenceEqual([4]))
            throw new ArgumentException("A projection head reads layer4's pooled features; PooledLayers must be [4] with a head.", nameof(PooledLayers));
        if (Head is not null && Head.InputDimension != encoder.FeatureDimension)
            throw new ArgumentException(
                $"Projection head takes {Head.InputDimension}-d input but the encoder produces {encoder.FeatureDimension}-d features.", nameof(Head));
    }
}
