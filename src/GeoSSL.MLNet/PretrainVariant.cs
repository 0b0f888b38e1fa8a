using CoreVariant = GeoSSL.Core.Training.PretrainVariant;

namespace GeoSSL.MLNet;

/// <summary>The five pretraining methods compared in the GASSL paper (Ayush et al., ICCV 2021).</summary>
public enum PretrainVariant
{
    /// <summary>MoCo-v2: two augmentations of the same image.</summary>
    MoCoV2 = CoreVariant.MoCoV2,
    /// <summary>MoCo-v2 + temporal positives: the positive is an image of the same location at another date.</summary>
    MoCoV2TemporalPositives = CoreVariant.MoCoV2TemporalPositives,
    /// <summary>MoCo-v2 + geo-location classification pretext.</summary>
    MoCoV2Geo = CoreVariant.MoCoV2Geo,
    /// <summary>MoCo-v2 + temporal positives + geo pretext (the paper's full method).</summary>
    MoCoV2GeoTemporalPositives = CoreVariant.MoCoV2GeoTemporalPositives,
    /// <summary>Geo-location classification only, no contrastive loss.</summary>
    GeoOnly = CoreVariant.GeoOnly,
}
