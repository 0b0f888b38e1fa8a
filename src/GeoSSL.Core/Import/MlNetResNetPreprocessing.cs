using System.Runtime.InteropServices;
using GeoSSL.Core.Augmentation;
using Onnx;

using GeoSSL.Data.Input;

namespace GeoSSL.Core.Import;

/// <summary>
/// The input normalisation of ML.NET's ImageNet featurizers (Microsoft.ML.DnnImageFeaturizer.*), read from the
/// <c>ResNetPreprocess.onnx</c> shipped beside the weights: RGB 0..255 turned into BGR, minus a per-pixel mean image
/// (initializer "MeanImage", [1,3,224,224], BGR), no scaling. Importing the weights with reversed input channels and this
/// mean image reproduces <c>DnnFeaturizeImage</c>'s features.
/// </summary>
internal static class MlNetResNetPreprocessing
{
    /// <summary>The mean image as RGB on the 0..1 scale, for <c>Mean</c>-image options; with Std = 1/255 it matches the original.</summary>
    public static MeanImage ReadMeanImage(string preprocessOnnxPath)
    {
        if (!File.Exists(preprocessOnnxPath)) throw new FileNotFoundException($"Preprocessing model '{preprocessOnnxPath}' does not exist.", preprocessOnnxPath);
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(preprocessOnnxPath)); }
        catch (Exception e) { throw new InvalidDataException($"'{preprocessOnnxPath}' is not an ONNX model: {e.Message}", e); }
        var mean = model.Graph.Initializer.FirstOrDefault(t => t.Name == "MeanImage")
            ?? throw new InvalidDataException($"'{preprocessOnnxPath}' has no 'MeanImage' initializer; is it ML.NET's ResNetPreprocess.onnx?");
        if (mean.Dims.Count != 4 || mean.Dims[0] != 1 || mean.Dims[1] != 3)
            throw new InvalidDataException($"'{preprocessOnnxPath}': 'MeanImage' is [{string.Join(",", mean.Dims)}], expected [1,3,H,W].");
        int h = (int)mean.Dims[2], w = (int)mean.Dims[3], plane = h * w;
        float[] bgr = mean.FloatData.Count > 0 ? mean.FloatData.ToArray() : MemoryMarshal.Cast<byte, float>(mean.RawData.Span).ToArray();
        if (bgr.Length != 3 * plane) throw new InvalidDataException($"'{preprocessOnnxPath}': 'MeanImage' holds {bgr.Length} values, expected {3 * plane}.");
        var rgb = new float[bgr.Length];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < plane; i++) rgb[c * plane + i] = bgr[(2 - c) * plane + i] / 255f;
        return new MeanImage(3, h, w, rgb);
    }
}
