namespace GeoSSL.Cli.Commands;

/// <summary>
/// ML.NET's ImageNet ResNet-18 (package Microsoft.ML.DnnImageFeaturizer.ResNet18, shipped inside the tool): a CNTK export that
/// takes BGR in 0..255 minus a mean, without a std. Its weights are used with the channels flipped to RGB, the mean's channel
/// averages (RGB order, 0..1 scale) and std 1/255, the normalisation it was trained with.
/// </summary>
internal static class ImageNetWeights
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
    public static float[] Mean => [123.15f / 255f, 115.90f / 255f, 103.06f / 255f];
    public static float[] Std => [1f / 255f, 1f / 255f, 1f / 255f];

    public static string Require() =>
        File.Exists(Path) ? Path : throw new CliUsageException($"The ImageNet weights are not installed next to the tool ('{Path}' is missing).");
}
