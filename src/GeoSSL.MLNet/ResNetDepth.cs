using CoreDepth = GeoSSL.Core.Networks.ResNetDepth;

namespace GeoSSL.MLNet;

/// <summary>Which residual network an encoder uses.</summary>
public enum ResNetDepth
{
    /// <summary>ResNet-18 (BasicBlock, [2,2,2,2]); 512-d pooled features at base width 64.</summary>
    ResNet18 = CoreDepth.ResNet18,
    /// <summary>ResNet-50 (Bottleneck, [3,4,6,3]); 2048-d pooled features at base width 64. The paper's backbone.</summary>
    ResNet50 = CoreDepth.ResNet50,
}
