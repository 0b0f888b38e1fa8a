using System.Globalization;
using System.Text;
using GeoSSL.Data.Files;
using Microsoft.ML;
using Microsoft.ML.Data;
using Parquet;
using Parquet.Schema;

namespace GeoSSL.Cli.Output;

/// <summary>
/// Featurized images written as a table: ImagePath, the label column under its manifest name (when the input had labels), then one float column per feature
/// (f0..fN-1) in CSV or Parquet, chosen by the file's extension. Flat columns rather than a Parquet list, so pandas, Spark and
/// DuckDB read both files the same way.
/// </summary>
internal static class FeatureTable
{
    public static (int Rows, int Width) Write(IDataView featurized, string path, string? labelName, string featureColumn = "Features")
    {
        bool withLabels = labelName is not null;
        var rows = Read(featurized, withLabels, featureColumn);
        int width = rows.Count > 0 ? rows[0].Features.Length : 0;
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) WriteCsv(path, rows, labelName, width);
        else WriteParquet(path, rows, labelName, width).GetAwaiter().GetResult();
        return (rows.Count, width);
    }

    private static List<(string Path, string Label, float[] Features)> Read(IDataView data, bool withLabels, string featureColumn)
    {
        var image = data.Schema["ImagePath"];
        var features = data.Schema[featureColumn];
        var label = withLabels ? data.Schema["Label"] : (DataViewSchema.Column?)null;
        var columns = label is { } l ? new[] { image, features, l } : new[] { image, features };
        using var cursor = data.GetRowCursor(columns);
        var getImage = cursor.GetGetter<ReadOnlyMemory<char>>(image);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var getLabel = label is { } lc ? cursor.GetGetter<ReadOnlyMemory<char>>(lc) : null;
        var rows = new List<(string, string, float[])>();
        ReadOnlyMemory<char> path = default, text = default;
        VBuffer<float> vector = default;
        while (cursor.MoveNext())
        {
            getImage(ref path);
            getFeatures(ref vector);
            getLabel?.Invoke(ref text);
            rows.Add((path.ToString(), getLabel is null ? "" : text.ToString(), vector.DenseValues().ToArray()));
        }
        return rows;
    }

    private static void WriteCsv(string path, List<(string Path, string Label, float[] Features)> rows, string? labelName, int width)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            w.Write("ImagePath");
            bool withLabels = labelName is not null;
            if (withLabels) w.Write("," + Quote(labelName!));
            for (int i = 0; i < width; i++) w.Write($",f{i}");
            w.WriteLine();
            foreach (var (image, label, features) in rows)
            {
                w.Write(Quote(image));
                if (withLabels) { w.Write(','); w.Write(Quote(label)); }
                foreach (var f in features) { w.Write(','); w.Write(f.ToString("R", CultureInfo.InvariantCulture)); }
                w.WriteLine();
            }
        });
    }

    private static string Quote(string cell) => cell.IndexOfAny([',', '"', '\n']) >= 0 ? $"\"{cell.Replace("\"", "\"\"")}\"" : cell;

    private static async Task WriteParquet(string path, List<(string Path, string Label, float[] Features)> rows, string? labelName, int width)
    {
        bool withLabels = labelName is not null;
        var image = new DataField("ImagePath", typeof(string), isNullable: false);
        var label = new DataField(labelName ?? "Label", typeof(string), isNullable: false);
        var features = Enumerable.Range(0, width).Select(i => new DataField($"f{i}", typeof(float), isNullable: false)).ToList();
        var fields = new List<Field> { image };
        if (withLabels) fields.Add(label);
        fields.AddRange(features);
        string temporary = path + ".partial";
        await using (var stream = File.Create(temporary))
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(image, rows.Select(r => r.Path).ToArray(), null);
            if (withLabels) await group.WriteAsync(label, rows.Select(r => r.Label).ToArray(), null);
            for (int i = 0; i < width; i++) await group.WriteAsync<float>(features[i], rows.Select(r => r.Features[i]).ToArray(), null);
        }
        File.Move(temporary, path, overwrite: true); // readers never see a half-written file
    }
}
