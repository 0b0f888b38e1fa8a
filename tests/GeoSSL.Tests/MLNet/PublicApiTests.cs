using System.Reflection;
using GeoSSL.MLNet;
using GeoSSL.MLNet.Hosting;
using Microsoft.ML;

namespace GeoSSL.Tests.MLNet;

/// <summary>
/// The packaged surface as an ML.NET user meets it: only GeoSSL.MLNet exports types, every type its public members mention
/// is ML.NET's, the BCL's or its own (no GeoSSL.Core/GeoSSL.Data type leaks), estimators and trainers are built through
/// the catalogs only, and the MLContext's GPU settings reach the trainers.
/// </summary>
[TestClass]
public sealed class PublicApiTests
{
    private static readonly Assembly MLNet = typeof(GeoContrastivePretrainEstimator).Assembly;

    [TestMethod]
    public void CoreAndData_ExportNoTypes()
    {
        Assert.AreEqual(0, typeof(GeoSSL.Core.Networks.ResNetEncoder).Assembly.GetExportedTypes().Length, "GeoSSL.Core is an internal layer");
        Assert.AreEqual(0, typeof(GeoSSL.Data.Input.ImageInputSpec).Assembly.GetExportedTypes().Length, "GeoSSL.Data is an internal layer");
    }

    [TestMethod]
    public void PublicSignatures_UseOnlyPublicGeoSslMLNetTypes()
    {
        var leaks = new List<string>();
        foreach (var type in MLNet.GetExportedTypes())
        {
            Assert.IsTrue(type.Namespace is "Microsoft.ML" || type.Namespace!.StartsWith("GeoSSL.MLNet", StringComparison.Ordinal),
                $"{type.FullName}: user types live in the GeoSSL.MLNet namespaces (catalogs in Microsoft.ML)");
            foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                foreach (var used in Mentioned(member))
                    if (used.Assembly != MLNet && used.Namespace?.StartsWith("GeoSSL", StringComparison.Ordinal) == true || used.Assembly == MLNet && !used.IsVisible)
                        leaks.Add($"{type.Name}.{member.Name} -> {used.FullName}");
        }
        Assert.AreEqual(0, leaks.Count, string.Join("\n", leaks));
        Assert.IsTrue(MLNet.GetExportedTypes().Length < 60, $"{MLNet.GetExportedTypes().Length} public types");
    }

    [TestMethod]
    public void EstimatorsAndTransformers_HaveNoPublicConstructors()
    {
        var open = MLNet.GetExportedTypes()
            .Where(t => typeof(IEstimator<ITransformer>).IsAssignableFrom(t) || t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEstimator<>)) || typeof(ITransformer).IsAssignableFrom(t))
            .Where(t => t.GetConstructors().Length > 0).Select(t => t.Name).ToList();
        Assert.AreEqual(0, open.Count, "catalogs are the only door: " + string.Join(", ", open));
        Assert.IsNotNull(typeof(GeoContrastivePretrainEstimator).GetNestedType("Options"), "options are nested in their estimator");
        Assert.IsNotNull(typeof(GeoSSL.MLNet.Classification.GeoImageClassifierTrainer).GetNestedType("Options"));
        Assert.IsNotNull(typeof(GeoSSL.MLNet.ChangeDetection.GeoChangeDetectionEstimator).GetNestedType("Options"));
        Assert.IsNotNull(typeof(GeoImageFeaturizerEstimator).GetNestedType("Options"));
    }

    [TestMethod]
    public void PublicEnums_MirrorTheCore()
    {
        AssertSame<PretrainVariant, GeoSSL.Core.Training.PretrainVariant>();
        AssertSame<ResNetDepth, GeoSSL.Core.Networks.ResNetDepth>();
        AssertSame<GeoSSL.MLNet.ChangeDetection.ChangeFusion, GeoSSL.Core.Dense.ChangeFusion>();
        AssertSame<GeoSSL.MLNet.TestTimeAugmentation, GeoSSL.Core.Export.TestTimeAugmentation>();
    }

    [TestMethod]
    public void GpuSettings_OfTheMLContext_ChooseTheDevice()
    {
        var ml = new MLContext(seed: 1) { GpuDeviceId = 1, FallbackToCpu = true };
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var env = MLContextEnvironment.Of(ml.Transforms);
        Assert.AreEqual(1, env.GpuDeviceId);
        Assert.IsTrue(env.FallbackToCpu);
        // The trainers catalog reaches the same settings.
        Assert.AreEqual(1, MLContextEnvironment.Of(ml.MulticlassClassification.Trainers).GpuDeviceId);
        using (var log = env.Channel("test"))
        {
            Assert.AreEqual("cpu", env.Device("cpu", log), "an explicit Device option wins");
            // No CUDA here (TorchSharp-cpu): GpuDeviceId falls back to the CPU with a warning in MLContext.Log.
            Assert.AreEqual("cpu", env.Device("auto", log));
        }
        lock (messages) Assert.IsTrue(messages.Any(m => m.Contains("GpuDeviceId is 1") && m.Contains("CPU")), string.Join("\n", messages));

        var strict = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var strictEnv = MLContextEnvironment.Of(strict.Transforms);
        using var strictLog = strictEnv.Channel("test");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => strictEnv.Device(null, strictLog));
        StringAssert.Contains(e.Message, "FallbackToCpu is false");
        Assert.AreEqual("auto", MLContextEnvironment.Of(new MLContext(seed: 1).Transforms).Device("auto", strictLog), "without GpuDeviceId, auto stays auto");
    }

    [TestMethod]
    public void MeanImageFile_ReadsMlNetsPreprocessingMean()
    {
        string file = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        var options = new GeoContrastivePretrainEstimator.Options { MeanImageFile = file };
        var expected = GeoSSL.Core.Import.MlNetResNetPreprocessing.ReadMeanImage(file);
        var read = options.ResolveMeanImage()!;
        Assert.AreEqual((expected.Channels, expected.Height, expected.Width), (read.Channels, read.Height, read.Width));
        CollectionAssert.AreEqual(expected.Values, read.Values);
        Assert.IsNull(new GeoContrastivePretrainEstimator.Options().ResolveMeanImage(), "default: per-channel means");
        Assert.ThrowsExactly<FileNotFoundException>(() => new GeoContrastivePretrainEstimator.Options { MeanImageFile = file + ".missing" }.ResolveMeanImage());
    }

    [TestMethod]
    public void BadData_IsAnInvalidOperationException_NamingRowColumnAndFile()
    {
        string csv = Path.Combine(Path.GetTempPath(), $"geossl-bad-{Environment.ProcessId}.csv");
        File.WriteAllText(csv, "ImagePath,LocationId,Latitude,Longitude\na.png,p1,48.8,2.3\nb.png,p2,north,2.3\n");
        try
        {
            var ml = new MLContext(seed: 1);
            var rows = ml.Data.LoadGeoManifest(csv);
            // What a user catches without any GeoSSL exception type: ML.NET's exception for bad input, with the place in Data.
            var e = Assert.Throws<InvalidOperationException>(() => ml.Data.CreateEnumerable<GeoSSL.MLNet.Reading.GeoImageRow>(rows, reuseRowObject: false).ToList());
            StringAssert.Contains(e.Message, "north");
            Assert.AreEqual("Latitude", e.Data["Column"]);
            Assert.AreEqual(csv, e.Data["File"]);
            Assert.IsNotNull(e.Data["Row"]);
        }
        finally { File.Delete(csv); }
    }

    private static void AssertSame<TPublic, TCore>() where TPublic : struct, Enum where TCore : struct, Enum
    {
        CollectionAssert.AreEqual(Enum.GetNames<TCore>(), Enum.GetNames<TPublic>(), typeof(TPublic).Name);
        CollectionAssert.AreEqual(Enum.GetValues<TCore>().Select(v => Convert.ToInt32(v)).ToList(), Enum.GetValues<TPublic>().Select(v => Convert.ToInt32(v)).ToList());
    }

    private static IEnumerable<Type> Mentioned(MemberInfo member)
    {
        IEnumerable<Type> types = member switch
        {
            MethodBase m => m.GetParameters().Select(p => p.ParameterType).Concat(m is MethodInfo mi ? [mi.ReturnType] : []),
            PropertyInfo p => [p.PropertyType],
            FieldInfo f => [f.FieldType],
            EventInfo e => [e.EventHandlerType!],
            Type nested => nested.BaseType is { } b ? [b] : [],
            _ => [],
        };
        return types.SelectMany(Expand);
    }

    private static IEnumerable<Type> Expand(Type t)
    {
        if (t.HasElementType) return Expand(t.GetElementType()!);
        if (t.IsGenericType) return t.GetGenericArguments().SelectMany(Expand).Append(t.GetGenericTypeDefinition());
        return t.IsGenericParameter ? [] : [t];
    }
}
