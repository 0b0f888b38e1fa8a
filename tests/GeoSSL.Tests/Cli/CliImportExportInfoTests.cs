using GeoSSL.Cli;

namespace GeoSSL.Tests.Cli;

/// <summary><c>geossl import</c>, <c>export</c> and <c>info</c> on ML.NET's ImageNet ResNet-18, and every verb's help.</summary>
[TestClass]
public sealed class CliImportExportInfoTests
{
    private static string ResNet18Onnx => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    [TestMethod]
    public void ImportThenExport_ImageNetOnnx_RoundTripsThroughACheckpoint()
    {
        var dir = TestData.TempFolder("cli-import");
        string checkpoint = Path.Combine(dir, "imagenet.ckpt");
        var import = CliHost.Run("import", "--from", ResNet18Onnx, "--bgr", "--out", checkpoint);
        Assert.AreEqual(ExitCodes.Success, import.ExitCode, import.ToString());
        StringAssert.Contains(import.Out, "ResNet18, width 64");

        var info = CliHost.Run("info", checkpoint);
        Assert.AreEqual(ExitCodes.Success, info.ExitCode, info.ToString());
        StringAssert.Contains(info.Out, "ResNet18, width 64, 3 input channels, 512 features");
        StringAssert.Contains(info.Out, "none (imported or not trained here)");

        string onnx = Path.Combine(dir, "imagenet-64.onnx");
        var export = CliHost.Run("export", "--checkpoint", checkpoint, "--out", onnx, "--image-size", "64");
        Assert.AreEqual(ExitCodes.Success, export.ExitCode, export.ToString());
        var described = CliHost.Run("info", onnx);
        StringAssert.Contains(described.Out, "input input");
        StringAssert.Contains(described.Out, "[N, 3, 64, 64]");
        StringAssert.Contains(described.Out, "[N, 512]");
        StringAssert.Contains(described.Out, "geossl.input");

        var original = CliHost.Run("info", ResNet18Onnx);
        StringAssert.Contains(original.Out, "[1, 3, 224, 224]");
        StringAssert.Contains(original.Out, "CNTK");
    }

    [TestMethod]
    public void ImportExportInfo_BadInput_IsOneLineAndExitCode2()
    {
        var dir = TestData.TempFolder("cli-import-bad");
        string manifest = TestData.EuroSatManifest;
        CliHost.AssertBadInput(CliHost.Run("info", manifest), "neither a GeoSSL checkpoint nor an ONNX model");
        string fakeZip = Path.Combine(dir, "fake.zip");
        File.WriteAllText(fakeZip, "not a zip");
        CliHost.AssertBadInput(CliHost.Run("info", fakeZip), "fake.zip");
        CliHost.AssertBadInput(CliHost.Run("info", Path.Combine(dir, "gone.ckpt")), "gone.ckpt");
        CliHost.AssertBadInput(CliHost.Run("info"), "file");
        var verbose = CliHost.Run("info", Path.Combine(dir, "gone.ckpt"), "--verbose");
        Assert.AreEqual(ExitCodes.BadInput, verbose.ExitCode);
        StringAssert.Contains(verbose.Error, "   at ", "--verbose adds the stack trace");
        string fake = Path.Combine(dir, "fake.onnx");
        File.WriteAllText(fake, "not a model");
        CliHost.AssertBadInput(CliHost.Run("info", fake), "fake.onnx");
        CliHost.AssertBadInput(CliHost.Run("import", "--from", manifest, "--out", Path.Combine(dir, "x.ckpt")), "manifest.csv");
        CliHost.AssertBadInput(CliHost.Run("export", "--checkpoint", manifest, "--out", Path.Combine(dir, "x.onnx")), "manifest.csv");
        CliHost.AssertBadInput(CliHost.Run("export", "--checkpoint", ResNet18Onnx, "--out", Path.Combine(dir, "x.txt")), "x.txt");
    }

    [TestMethod]
    public void Help_EveryVerb_ExitsZeroWithUsage_AndNoVerbOrAnUnknownVerbIsExitCode2()
    {
        foreach (var verb in new[] { "pretrain", "featurize", "probe", "finetune", "detect-changes", "export", "import", "info" })
        {
            var help = CliHost.Run(verb, "--help");
            Assert.AreEqual(ExitCodes.Success, help.ExitCode, help.ToString());
            StringAssert.Contains(help.Out, $"geossl {verb}", help.ToString());
            StringAssert.Contains(help.Out, "--help");
            Assert.AreEqual("", help.Error);
        }
        var root = CliHost.Run("--help");
        Assert.AreEqual(ExitCodes.Success, root.ExitCode);
        StringAssert.Contains(root.Out, "detect-changes");
        CliHost.AssertBadInput(CliHost.Run(), "no command");
        CliHost.AssertBadInput(CliHost.Run("pretrian"), "pretrian");
    }
}
