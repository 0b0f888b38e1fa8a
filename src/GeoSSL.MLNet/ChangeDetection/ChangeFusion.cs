using CoreFusion = GeoSSL.Core.Dense.ChangeFusion;

namespace GeoSSL.MLNet.ChangeDetection;

/// <summary>How a change detector combines the two dates' feature maps at each scale before decoding.</summary>
public enum ChangeFusion
{
    /// <summary><c>|f1 - f2|</c>: symmetric in the dates, keeps the encoder's widths; identical images give zero features.</summary>
    Difference = CoreFusion.Difference,
    /// <summary><c>cat(f1, f2)</c> along channels: doubles the skip widths and lets the decoder learn which direction of change matters.</summary>
    Concatenation = CoreFusion.Concatenation,
}
