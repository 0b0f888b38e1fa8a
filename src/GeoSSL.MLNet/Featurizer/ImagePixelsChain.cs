using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

namespace GeoSSL.MLNet.Featurizer;

/// <summary>
/// The stock transforms that turn an image column into planar RGB pixels (0..255): (LoadImages for a path column) →
/// ResizeImages (IsoCrop) → ExtractPixels. Shared by the featurizer and the classifier so both see the same pixels.
/// The change detector uses it per date too.
/// IsoCrop, ResizeImages' default, resamples with the same filter as the pretraining decoder (SkiaSharp, high quality):
/// on square tiles the two give identical bytes, while Fill resamples differently (up to 31 levels apart at 64 to 224 px;
/// with channel means instead of the mean image, ImageNet features scored 1.7 points below DnnFeaturizeImage).
/// Non-square images are centre-cropped.
/// </summary>
internal static class ImagePixelsChain
{
    /// <param name="prefix">Prefix of the temporary columns ("{prefix}Image", "{prefix}Resized", "{prefix}Pixels").</param>
    /// <param name="temporaries">The columns the chain adds, for a later DropColumns.</param>
    public static IEstimator<ITransformer> Create(TransformsCatalog t, string imageColumnName, ImageColumnKind kind, string? imageFolder,
        int height, int width, string prefix, bool asFloats, out List<string> temporaries)
    {
        string image = prefix + "Image", resized = prefix + "Resized", pixels = prefix + "Pixels";
        if (kind == ImageColumnKind.Tensor)
        {
            // Already planar raw samples at the encoder's size (the tensor route, e.g. multispectral rasters): the ONNX graph's
            // first nodes scale and normalise them, so the column only needs the name the graph's input is given.
            temporaries = new List<string> { pixels };
            return t.CopyColumns(pixels, imageColumnName);
        }
        temporaries = new List<string> { resized, pixels };
        string source = imageColumnName;
        IEstimator<ITransformer>? load = null;
        if (kind == ImageColumnKind.Path)
        {
            load = t.LoadImages(image, imageFolder ?? "", imageColumnName);
            source = image;
            temporaries.Insert(0, image);
        }
        var rest = t.ResizeImages(resized, width, height, source, ImageResizingEstimator.ResizingKind.IsoCrop)
            .Append(t.ExtractPixels(pixels, resized, interleavePixelColors: false, outputAsFloatArray: asFloats));
        return load is null ? rest : load.Append(rest);
    }
}
