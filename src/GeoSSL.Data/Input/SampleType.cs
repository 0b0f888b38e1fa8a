namespace GeoSSL.Data.Input;

/// <summary>How the raw samples of an input are stored before scaling.</summary>
internal enum SampleType
{
    /// <summary>8-bit unsigned (PNG/JPEG pixels, 0..255).</summary>
    Byte,
    /// <summary>16-bit unsigned (e.g. Sentinel-2 reflectance x 10000); held as float32 in memory, which represents it exactly.</summary>
    UInt16,
    /// <summary>32-bit float (already scaled products, SAR backscatter, indices).</summary>
    Float32,
}

/// <summary>How an image of another size is brought to the encoder's input size.</summary>
internal enum ResizeMode
{
    /// <summary>Scale the shorter side to the target and cut the centre (ML.NET's IsoCrop, torchvision's Resize + CenterCrop). Keeps the aspect ratio.</summary>
    CenterCrop,
    /// <summary>Scale each side independently (ML.NET's Fill). Distorts non-square images.</summary>
    Stretch,
}
