using GeoSSL.Core.Dense;
using GeoSSL.Data.Dense;
using GeoSSL.MLNet.Reading;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>Pictures of a change detector's predictions against the truth, for rows of transformed data.</summary>
public static class ChangeMaps
{
    /// <summary>
    /// Writes one PNG per row (the first <paramref name="maxRows"/>), "row{N}.png" in <paramref name="outputFolder"/>: the image
    /// of <paramref name="imageColumnName"/> with <see cref="ChangeOverlay"/>'s colours blended in (true positives green,
    /// false positives red, missed change magenta), change being probability ≥ <paramref name="threshold"/>.
    /// </summary>
    /// <param name="transformedData">Output of the fitted detector (or of a model loaded with Model.Load): it has the probability column.</param>
    /// <param name="imageColumnName">Image drawn under the colours, usually the second date; the same kinds as the detector's inputs.</param>
    /// <param name="maskColumnName">The true change: a mask image path or a byte/float vector of H*W, as for training.</param>
    /// <returns>The files written, in row order.</returns>
    public static IReadOnlyList<string> WriteOverlays(MLContext mlContext, IDataView transformedData, string outputFolder, string imageColumnName = "Image2",
        string maskColumnName = "Mask", string probabilityColumnName = "ChangeProbability", string? imageFolder = null, float threshold = 0.5f, int maxRows = 16)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(transformedData);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var schema = transformedData.Schema;
        var probability = InputColumns.Require(schema, probabilityColumnName, nameof(probabilityColumnName));
        if (probability.Type is not VectorDataViewType { ItemType: var item, Dimensions: [var h, var w] } || item != NumberDataViewType.Single || h != w)
            throw new ArgumentException($"Column '{probabilityColumnName}' has type {probability.Type}; expected the detector's float vector with dimensions [S, S].", nameof(probabilityColumnName));
        int size = h;
        var kind = InputColumns.ImageKind(schema, imageColumnName, nameof(imageColumnName));
        var mask = new ChangeMaskColumn(schema, maskColumnName, nameof(maskColumnName), imageFolder, size, "transformed");
        Directory.CreateDirectory(outputFolder);
        using var image = new DatePixels(mlContext.Transforms, transformedData, imageColumnName, kind, imageFolder, size, "GeoChangeMaps.", "transformed",
            [mask.Of(schema), probability]);
        var readMask = mask.Reader(image.Cursor);
        var readProbability = image.Cursor.GetGetter<VBuffer<float>>(probability);
        VBuffer<float> map = default;
        var written = new List<string>();
        for (long row = 0; row < maxRows && image.Cursor.MoveNext(); row++)
        {
            var pixels = image.Read(row).Pixels;
            var (truth, _) = readMask(row);
            readProbability(ref map);
            string path = Path.Combine(outputFolder, $"row{row}.png");
            ChangeOverlay.Write(path, pixels, size, size, truth, map.DenseValues().ToArray(), threshold);
            written.Add(path);
        }
        return written;
    }

    /// <summary>
    /// Scores the detector's maps against the true masks over all pixels of the rows, change being probability ≥
    /// <paramref name="threshold"/> (use the validation-tuned threshold from the report's best epoch, "threshold_tuned").
    /// </summary>
    /// <param name="transformedData">Output of the fitted detector (or of a model loaded with Model.Load).</param>
    /// <param name="maskColumnName">The true change: a mask image path or a byte/float vector of H*W, as for training.</param>
    /// <param name="imageFolder">Folder that relative mask paths are resolved against.</param>
    public static ChangeDetectionMetrics Evaluate(IDataView transformedData, string maskColumnName = "Mask", string probabilityColumnName = "ChangeProbability",
        string? imageFolder = null, float threshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(transformedData);
        var schema = transformedData.Schema;
        var probability = InputColumns.Require(schema, probabilityColumnName, nameof(probabilityColumnName));
        if (probability.Type is not VectorDataViewType { ItemType: var item, Dimensions: [var h, var w] } || item != NumberDataViewType.Single || h != w)
            throw new ArgumentException($"Column '{probabilityColumnName}' has type {probability.Type}; expected the detector's float vector with dimensions [S, S].", nameof(probabilityColumnName));
        var mask = new ChangeMaskColumn(schema, maskColumnName, nameof(maskColumnName), imageFolder, h, "transformed");
        using var cursor = transformedData.GetRowCursor([mask.Of(schema), probability]);
        var readMask = mask.Reader(cursor);
        var readProbability = cursor.GetGetter<VBuffer<float>>(probability);
        VBuffer<float> map = default;
        var scores = new ChangeMetrics();
        for (long row = 0; cursor.MoveNext(); row++)
        {
            var (truth, _) = readMask(row);
            readProbability(ref map);
            scores.Add("rows", map.DenseValues().ToArray(), truth, threshold);
        }
        return ChangeDetectionMetrics.From(scores.Overall);
    }
}
