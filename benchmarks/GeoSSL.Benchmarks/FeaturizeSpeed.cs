using System.Diagnostics;
using GeoSSL.Core.Export;
using GeoSSL.Core.Networks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GeoSSL.Benchmarks;

/// <summary>
/// Images per second of the featurizer on real EuroSAT patches: the batched transform against ML.NET's stock
/// row-by-row chain (what a model loaded with Model.Load runs), same ONNX encoder, same images.
/// </summary>
internal static class FeaturizeSpeed
{
    private sealed class PathRow { public string ImagePath { get; set; } = ""; }

    public static void Run(BenchmarkArgs args)
    {
        int count = args.Int("images", 2000);
        int size = args.Int("size", 64);
        var paths = SharedData.EuroSatImages(args).Take(count).Select(p => new PathRow { ImagePath = p.Path }).ToList();
        var depth = args.Int("depth", 18) == 50 ? ResNetDepth.ResNet50 : ResNetDepth.ResNet18;
        using var encoder = new ResNetEncoder(new ResNetOptions { Depth = depth, SmallInputStem = args.Flag("small-stem") });
        encoder.eval();
        string onnxPath = Path.Combine(Path.GetTempPath(), $"geossl-speed-{Environment.ProcessId}.onnx");
        OnnxEncoderExporter.Save(encoder, new OnnxExportOptions { InputHeight = size, InputWidth = size }, onnxPath);
        try
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(paths);
            Console.WriteLine($"Featurization speed: {depth}, {size}x{size}, {paths.Count} EuroSAT images, {Environment.ProcessorCount} cores");
            Console.WriteLine("| path | batch | images/s |");
            Console.WriteLine("|---|---|---|");
            foreach (int batch in new[] { 1, 16, 64, 256 })
            {
                using var featurizer = ml.Transforms.GeoFeaturizeImage(onnxPath, batchSize: batch).Fit(data);
                if (batch == 1)
                {
                    Console.WriteLine($"| ML.NET stock chain (row by row, as after Model.Load) | 1 | {Measure(featurizer.StockChain, data):F0} |");
                    Console.WriteLine($"| (decode, resize and pixels only) | - | {Measure(new TransformerChain<ITransformer>(featurizer.StockChain.SkipLast(2).ToArray()), data, "Features.Pixels"):F0} |");
                }
                Console.WriteLine($"| GeoImageFeaturizer.Transform | {batch} | {Measure(featurizer, data):F0} |");
            }
        }
        finally { File.Delete(onnxPath); }
    }

    /// <summary>Best of two passes (the first also warms ONNX Runtime up).</summary>
    private static double Measure(ITransformer model, IDataView data, string columnName = "Features")
    {
        double best = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            var sw = Stopwatch.StartNew();
            var output = model.Transform(data);
            var column = output.Schema[columnName];
            using var cursor = output.GetRowCursor(new[] { column });
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> v = default;
            int n = 0;
            while (cursor.MoveNext()) { getter(ref v); n++; }
            best = Math.Max(best, n / sw.Elapsed.TotalSeconds);
        }
        return best;
    }
}
