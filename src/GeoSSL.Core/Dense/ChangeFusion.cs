namespace GeoSSL.Core.Dense;

/// <summary>How a change model combines the two dates' feature maps at each scale before decoding.</summary>
internal enum ChangeFusion
{
    /// <summary><c>|f1 - f2|</c>: symmetric in the dates, keeps the encoder's widths; identical images give zero features.</summary>
    Difference = 0,

    /// <summary><c>cat(f1, f2)</c> along channels: doubles the skip widths and lets the decoder learn which direction of change matters.</summary>
    Concatenation = 1,
}
