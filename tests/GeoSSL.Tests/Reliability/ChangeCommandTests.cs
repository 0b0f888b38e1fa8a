namespace GeoSSL.Tests.Reliability;

/// <summary>
/// The sample's <c>detect-changes</c> verb end to end on the real OSCD cities: train with a validation city, save the model,
/// and score held-out cities with that file in a new process, which must give the training process's numbers.
/// </summary>
[TestClass]
public sealed class ChangeCommandTests
{
    private static string Cities => Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "oscd-change"));
    private static readonly SampleProcess Sample = new("detect-changes", []);

    private static string Line(string output, string city) =>
        output.Split('\n').Select(l => l.TrimEnd()).Single(l => l.StartsWith(city + " ", StringComparison.Ordinal));

    [TestMethod]
    public void TrainedModel_ScoresTheSameInANewProcess_AndDrawsOverlays()
    {
        var trained = TestData.TempFolder("change-cmd-train");
        string output = Sample.RunToEnd("--cities", Cities, "--train", "bercy,paris", "--validation", "nantes", "--test", "pisa",
            "--epochs", "2", "--windows", "32", "--width", "16", "--device", "cpu", "--out", trained);
        string model = Path.Combine(trained, "change.ckpt");
        Assert.IsTrue(File.Exists(model), output);
        Assert.IsTrue(File.Exists(Path.Combine(trained, "pisa.png")), "overlay panel of the test city");
        StringAssert.Contains(output, "change threshold");

        var scored = TestData.TempFolder("change-cmd-score");
        string again = Sample.RunToEnd("--model", model, "--cities", Cities, "--names", "pisa,beihai", "--device", "cpu", "--out", scored);
        Assert.AreEqual(Line(output, "pisa"), Line(again, "pisa"), "the saved model predicts pisa as the trained one did");
        var beihai = Line(again, "beihai").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(6, beihai);
        Assert.IsTrue(beihai.Skip(1).Select(double.Parse).All(v => v is >= 0 and <= 1), Line(again, "beihai"));
        Assert.IsTrue(File.Exists(Path.Combine(scored, "beihai.png")));
    }

    [TestMethod]
    public void NotAModel_IsOneClearLine()
    {
        var png = Path.Combine(Cities, "pisa", "t1.png");
        using var p = Sample.Start("--model", png, "--cities", Cities, "--out", TestData.TempFolder("change-cmd-bad"));
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.AreEqual(1, p.ExitCode, error);
        StringAssert.Contains(error, png);
        StringAssert.Contains(error, "not a GeoSSL");
    }
}
