namespace GeoSSL.Core.Networks;

/// <summary>Which residual network the encoder uses.</summary>
internal enum ResNetDepth
{
    /// <summary>ResNet-18 (BasicBlock, [2,2,2,2]); 512-d pooled features at base width 64.</summary>
    ResNet18 = 18,
    /// <summary>ResNet-50 (Bottleneck, [3,4,6,3]); 2048-d pooled features at base width 64. The paper's backbone.</summary>
    ResNet50 = 50,
}

/// <summary>Shape of a ResNet encoder. Defaults give torchvision's ResNet-50.</summary>
internal sealed record ResNetOptions
{
    public ResNetDepth Depth { get; init; } = ResNetDepth.ResNet50;

    /// <summary>Input channels (3 for RGB; more for multispectral).</summary>
    public int InputChannels { get; init; } = 3;

    /// <summary>Channels of layer1 (64 in torchvision). Smaller values give cheap encoders for tests and CPU runs.</summary>
    public int BaseWidth { get; init; } = 64;

    /// <summary>
    /// Small-input stem for 32-64 px tiles: 3x3 stride-1 conv and no max-pool (as CIFAR ResNets), so the last
    /// feature map is 8x8 at 64 px instead of 2x2. About 16x the compute of the standard stem.
    /// </summary>
    public bool SmallInputStem { get; init; }

    /// <summary>
    /// Residual blocks in layer1-4; null gives the standard counts ([2,2,2,2] for ResNet-18, [3,4,6,3] for ResNet-50).
    /// Other counts describe relatives such as ML.NET's ImageNet "ResNet18" (a CNTK model with [2,2,2,3]).
    /// </summary>
    public int[]? BlocksPerLayer { get; init; }

    /// <summary>The block counts in use.</summary>
    public int[] Blocks => BlocksPerLayer ?? (Depth == ResNetDepth.ResNet50 ? [3, 4, 6, 3] : [2, 2, 2, 2]);

    // By the network they describe: the compiler's record equality compares the BlocksPerLayer array by reference, so two
    // reads of one file's layout (e.g. a 1-block-per-layer state dict) never matched, and null equals the standard counts.
    public bool Equals(ResNetOptions? other) =>
        other is not null && Depth == other.Depth && InputChannels == other.InputChannels && BaseWidth == other.BaseWidth &&
        SmallInputStem == other.SmallInputStem && Blocks.AsSpan().SequenceEqual(other.Blocks);

    public override int GetHashCode() => HashCode.Combine(Depth, InputChannels, BaseWidth, SmallInputStem, string.Join(",", Blocks));

    public void Validate()
    {
        if (BlocksPerLayer is not null && (BlocksPerLayer.Length != 4 || BlocksPerLayer.Any(b => b < 1)))
            throw new ArgumentException($"BlocksPerLayer needs four counts of at least 1; got [{string.Join(",", BlocksPerLayer)}].", nameof(BlocksPerLayer));
        if (Depth is not (ResNetDepth.ResNet18 or ResNetDepth.ResNet50))
            throw new ArgumentOutOfRangeException(nameof(Depth), Depth, "Only ResNet-18 and ResNet-50 are supported.");
        if (InputChannels < 1) throw new ArgumentOutOfRangeException(nameof(InputChannels), InputChannels, "Need at least one input channel.");
        if (BaseWidth < 1) throw new ArgumentOutOfRangeException(nameof(BaseWidth), BaseWidth, "Base width must be positive.");
    }

    /// <summary>Width of the pooled feature vector this encoder produces.</summary>
    public int FeatureDimension => BaseWidth * 8 * (Depth == ResNetDepth.ResNet50 ? 4 : 1);

    /// <summary>Channels of residual stage <paramref name="layer"/> (1-4).</summary>
    public int StageWidth(int layer) => BaseWidth * (1 << (layer - 1)) * (Depth == ResNetDepth.ResNet50 ? 4 : 1);

    /// <summary>Width of the concatenated pooled outputs of <paramref name="layers"/>.</summary>
    public int PooledDimension(IReadOnlyList<int> layers)
    {
        ValidatePooledLayers(layers);
        return layers.Sum(StageWidth);
    }

    /// <summary>Pooled layers must be stages 1-4, ascending, without repeats, e.g. [4] or [3, 4].</summary>
    public static void ValidatePooledLayers(IReadOnlyList<int> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0 || layers.Any(l => l is < 1 or > 4) || layers.Zip(layers.Skip(1)).Any(p => p.First >= p.Second))
            throw new ArgumentException($"Pooled layers must be residual stages 1-4 in ascending order without repeats, such as [4] or [3, 4]; got [{string.Join(", ", layers)}].", nameof(layers));
    }
}
