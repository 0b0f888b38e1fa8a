using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Labelled feature vectors kept in memory and on disk, so one featurization of EuroSAT (the expensive part: minutes at
/// 224 px on two cores) serves every probe setting and every subset of its columns.
/// </summary>
internal sealed class FeatureBank(string[] labels, float[][] vectors)
{
    public string[] Labels { get; } = labels;
    public float[][] Vectors { get; } = vectors;
    public int Width => Vectors.Length == 0 ? 0 : Vectors[0].Length;

    private sealed class Row
    {
        public string Label { get; set; } = "";
        public float[] Features { get; set; } = [];
    }

    /// <summary>Runs the featurizer over the rows (with a "Label" column) once.</summary>
    public static FeatureBank Featurize(ITransformer featurizer, IDataView data)
    {
        var output = featurizer.Transform(data);
        var label = output.Schema["Label"];
        var features = output.Schema["Features"];
        var labels = new List<string>();
        var vectors = new List<float[]>();
        using var cursor = output.GetRowCursor(new[] { label, features });
        var getLabel = cursor.GetGetter<ReadOnlyMemory<char>>(label);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        ReadOnlyMemory<char> l = default;
        VBuffer<float> f = default;
        while (cursor.MoveNext())
        {
            getLabel(ref l);
            getFeatures(ref f);
            labels.Add(l.ToString());
            vectors.Add(f.DenseValues().ToArray());
        }
        return new FeatureBank(labels.ToArray(), vectors.ToArray());
    }

    /// <summary>The bank with only these columns, in this order.</summary>
    public FeatureBank Select(IReadOnlyList<int> columns) =>
        new(Labels, Vectors.Select(v => columns.Select(c => v[c]).ToArray()).ToArray());

    /// <summary>That share of each class's rows (at least one), chosen by a shuffle fixed by <paramref name="seed"/>; all rows for 1.</summary>
    public FeatureBank PerClassShare(double fraction, int seed)
    {
        if (fraction >= 1) return this;
        var keep = BenchmarkData.PerClassShare(Enumerable.Range(0, Labels.Length).ToList(), i => Labels[i], fraction, seed);
        return new FeatureBank(keep.Select(i => Labels[i]).ToArray(), keep.Select(i => Vectors[i]).ToArray());
    }

    public IDataView ToDataView(MLContext ml)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Width);
        return ml.Data.LoadFromEnumerable(Labels.Select((l, i) => new Row { Label = l, Features = Vectors[i] }).ToList(), schema);
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(Labels.Length);
            writer.Write(Width);
            foreach (var label in Labels) writer.Write(label);
            foreach (var vector in Vectors)
                foreach (var value in vector) writer.Write(value);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public static FeatureBank Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        int count = reader.ReadInt32(), width = reader.ReadInt32();
        var labels = new string[count];
        for (int i = 0; i < count; i++) labels[i] = reader.ReadString();
        var vectors = new float[count][];
        for (int i = 0; i < count; i++)
        {
            vectors[i] = new float[width];
            for (int j = 0; j < width; j++) vectors[i][j] = reader.ReadSingle();
        }
        return new FeatureBank(labels, vectors);
    }
}
