using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using GeoSSL.MLNet.Reading;

namespace GeoSSL.MLNet.Featurizer;

/// <summary>
/// The output of <see cref="GeoImageFeaturizer.Transform"/>. Each cursor runs two cursors over the input in the same
/// order: one serves the pass-through columns (through the stock chain, which skips the encoder when its column is not
/// requested), the other reads preprocessed pixels ahead, a batch at a time, and scores them with one ONNX Runtime call.
/// The pixels come from the stock preprocessing run as a row mapper on this thread (<see cref="ImageRowPixels{T}"/>), so a
/// bad image is reported with its row and file rather than as an error of one of ML.NET's worker threads.
/// Reading ahead this way needs no copy of arbitrary input columns, at the price of walking the input twice.
/// </summary>
internal sealed class BatchedFeatureDataView : IDataView
{
    private readonly GeoImageFeaturizer featurizer;
    private readonly IDataView input;
    private readonly IDataView stockView;

    public BatchedFeatureDataView(GeoImageFeaturizer featurizer, IDataView input)
    {
        this.featurizer = featurizer;
        this.input = input;
        stockView = featurizer.StockChain.Transform(input);
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => stockView.Schema;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        var features = Schema[featurizer.OutputColumnName];
        bool wantFeatures = needed.Any(c => c.Index == features.Index);
        var passThrough = stockView.GetRowCursor(needed.Where(c => c.Index != features.Index).ToList());
        if (!wantFeatures) return passThrough;
        var spec = featurizer.Spec;
        var ahead = new ImageRowPixels<float>(featurizer.Preprocess, input, featurizer.PixelsColumnName, spec.ImageColumnName, spec.ImageKind, spec.ImageFolder, what: null);
        return new Cursor(featurizer, passThrough, ahead, features);
    }

    // One cursor is a valid answer to a request for n; batching already keeps the cores busy inside ONNX Runtime.
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly GeoImageFeaturizer featurizer;
        private readonly DataViewRowCursor passThrough;
        private readonly ImageRowPixels<float> ahead;
        private readonly DataViewSchema.Column features;
        private readonly int pixelCount;
        private readonly long[] imageShape;
        private readonly float[] inputBuffer;
        private float[] featureBuffer = Array.Empty<float>();
        private int rowsInBatch;
        private int indexInBatch = -1;
        private VBuffer<float> pixels;

        public Cursor(GeoImageFeaturizer featurizer, DataViewRowCursor passThrough, ImageRowPixels<float> ahead, DataViewSchema.Column features)
        {
            this.featurizer = featurizer;
            this.passThrough = passThrough;
            this.ahead = ahead;
            this.features = features;
            var inputMeta = featurizer.Session.InputMetadata.Values.Single();
            imageShape = inputMeta.Dimensions.Skip(1).Select(d => (long)d).ToArray();
            pixelCount = (int)imageShape.Aggregate(1L, (a, b) => a * b);
            inputBuffer = new float[featurizer.BatchSize * pixelCount];
        }

        public override DataViewSchema Schema => passThrough.Schema;
        public override long Position => passThrough.Position;
        public override long Batch => passThrough.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => passThrough.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index == features.Index || passThrough.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != features.Index) return passThrough.GetGetter<TValue>(column);
            if (typeof(TValue) != typeof(VBuffer<float>))
                throw new InvalidOperationException($"Column '{features.Name}' holds VBuffer<float>; asked for {typeof(TValue).Name}.");
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> dst) =>
            {
                if (indexInBatch < 0) throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");
                int d = featurizer.FeatureDimension;
                var editor = VBufferEditor.Create(ref dst, d);
                featureBuffer.AsSpan(indexInBatch * d, d).CopyTo(editor.Values);
                dst = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        public override bool MoveNext()
        {
            if (!passThrough.MoveNext()) return false;
            indexInBatch++;
            if (indexInBatch >= rowsInBatch)
            {
                ScoreNextBatch();
                indexInBatch = 0;
                if (rowsInBatch == 0)
                    throw new InvalidOperationException("The input gave fewer rows on a second pass than on the first; it must be deterministic to be featurized in batches.");
            }
            return true;
        }

        private void ScoreNextBatch()
        {
            int n = 0;
            while (n < featurizer.BatchSize && ahead.Cursor.MoveNext())
            {
                long row = ahead.Cursor.Position;
                ahead.Get(row, ref pixels); // a missing or unreadable image fails here, naming its row and file
                if (pixels.Length != pixelCount)
                    throw new InvalidOperationException($"Row {row}: image gave {pixels.Length} pixel values, the encoder expects {pixelCount}.");
                CopyDense(pixels, inputBuffer.AsSpan(n * pixelCount, pixelCount));
                n++;
            }
            rowsInBatch = n;
            if (n == 0) return;
            var shape = new long[imageShape.Length + 1];
            shape[0] = n;
            imageShape.CopyTo(shape, 1);
            var session = featurizer.Session;
            using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, inputBuffer.AsMemory(0, n * pixelCount), shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, new Dictionary<string, OrtValue> { [session.InputMetadata.Keys.Single()] = inputValue },
                new[] { session.OutputMetadata.Keys.Single() });
            var result = outputs[0].GetTensorDataAsSpan<float>();
            if (featureBuffer.Length < result.Length) featureBuffer = new float[featurizer.BatchSize * featurizer.FeatureDimension];
            result.CopyTo(featureBuffer);
        }

        private static void CopyDense(in VBuffer<float> src, Span<float> dst)
        {
            if (src.IsDense) { src.GetValues().CopyTo(dst); return; }
            dst.Clear();
            var values = src.GetValues();
            var indices = src.GetIndices();
            for (int i = 0; i < values.Length; i++) dst[indices[i]] = values[i];
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) { passThrough.Dispose(); ahead.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
