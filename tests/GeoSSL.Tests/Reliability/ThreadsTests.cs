using GeoSSL.Core.Engine;
using GeoSSL.Core.Devices;
using GeoSSL.Core.Training;
using GeoSSL.Tests.MLNet;
using Microsoft.ML;
using TorchSharp;
using TrainingProgress = GeoSSL.MLNet.TrainingProgress;

namespace GeoSSL.Tests.Reliability;

[TestClass]
public sealed class ThreadsTests
{
    private sealed class SyncProgress(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }

    [TestMethod]
    public void ThreadsOption_CapsLibtorchWhileTraining()
    {
        var ml = new MLContext(seed: 1);
        int before = torch.get_num_threads();
        var seen = new List<int>();
        var options = TileRows.TinyOptions(null, epochs: 1);
        options.Threads = 1;
        options.Progress = new SyncProgress(_ => seen.Add(torch.get_num_threads()));
        try
        {
            using (ml.Transforms.GeoContrastivePretrain(options).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64)))) { }
            Assert.IsNotEmpty(seen);
            Assert.IsTrue(seen.All(n => n == 1), "libtorch threads during training: " + string.Join(", ", seen));
        }
        finally { torch.set_num_threads(before); }
    }

    [TestMethod]
    public void FeaturizerThreads_GiveTheSameFeatures()
    {
        var ml = new MLContext(seed: 1);
        var folder = TestData.TempFolder("threads-featurize");
        var options = TileRows.TinyOptions(folder, epochs: 1);
        using (ml.Transforms.GeoContrastivePretrain(options).Fit(ml.Data.LoadFromEnumerable(TileRows.Load(64)))) { }
        var rows = ml.Data.LoadFromEnumerable(TileRows.Load(40));
        using var every = ml.Transforms.GeoFeaturizeImage(options.OnnxExportPath!).Fit(rows);
        using var one = ml.Transforms.GeoFeaturizeImage(options.OnnxExportPath!, threads: 1).Fit(rows);
        Assert.IsNull(every.Threads);
        Assert.AreEqual(1, one.Threads);
        var a = TileRows.Features(ml, every, rows);
        var b = TileRows.Features(ml, one, rows);
        for (int i = 0; i < a.Length; i++) CollectionAssert.AreEqual(a[i], b[i], new ToleranceComparer(1e-5f), $"row {i}");
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.GeoFeaturizeImage(options.OnnxExportPath!, threads: 0));
    }

    private sealed class ToleranceComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y) => Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : 1;
    }

    [TestMethod]
    public void ThreadsOption_RejectsZero_NamingTheOption()
    {
        var options = TileRows.TinyOptions(null, epochs: 1);
        options.Threads = 0;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().Transforms.GeoContrastivePretrain(options).Fit(new MLContext().Data.LoadFromEnumerable(TileRows.Load(64))));
        Assert.AreEqual("Threads", e.ParamName);
    }

    [TestMethod]
    public void OpenMpWorkers_SpinBriefly_ByDefault()
    {
        // The library gives libgomp a short spin before libtorch loads, unless the environment chose how to wait.
        var chosen = new[] { "OMP_WAIT_POLICY", "GOMP_SPINCOUNT" }.FirstOrDefault(n => Environment.GetEnvironmentVariable(n) is not null);
        if (chosen is not null)
            StringAssert.StartsWith(CpuThreads.WaitPolicy, chosen + "=");
        else
        {
            Assert.AreEqual("GOMP_SPINCOUNT=1000 (set by GeoSSL)", CpuThreads.WaitPolicy);
            // What libgomp reads: the C library's environment, not .NET's copy of it.
            Assert.AreEqual("1000", System.Runtime.InteropServices.Marshal.PtrToStringUTF8(GetEnv("GOMP_SPINCOUNT")));
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string name);
}
