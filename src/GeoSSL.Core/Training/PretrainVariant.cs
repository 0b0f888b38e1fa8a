namespace GeoSSL.Core.Training;

/// <summary>The five pretraining methods compared in the GASSL paper.</summary>
internal enum PretrainVariant
{
    /// <summary>MoCo-v2: two augmentations of the same image.</summary>
    MoCoV2,
    /// <summary>MoCo-v2 + temporal positives: the positive is an image of the same location at another date.</summary>
    MoCoV2TemporalPositives,
    /// <summary>MoCo-v2 + geo-location classification pretext.</summary>
    MoCoV2Geo,
    /// <summary>MoCo-v2 + temporal positives + geo pretext (the paper's full method).</summary>
    MoCoV2GeoTemporalPositives,
    /// <summary>Geo-location classification only, no contrastive loss.</summary>
    GeoOnly,
}

internal static class PretrainVariantExtensions
{
    public static bool UsesContrastive(this PretrainVariant v) => v != PretrainVariant.GeoOnly;
    public static bool UsesGeo(this PretrainVariant v) => v is PretrainVariant.MoCoV2Geo or PretrainVariant.MoCoV2GeoTemporalPositives or PretrainVariant.GeoOnly;
    public static bool UsesTemporalPositives(this PretrainVariant v) => v is PretrainVariant.MoCoV2TemporalPositives or PretrainVariant.MoCoV2GeoTemporalPositives;
}
