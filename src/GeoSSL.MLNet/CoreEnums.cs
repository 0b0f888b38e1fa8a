namespace GeoSSL.MLNet;

/// <summary>
/// The adapter's public enums have the core's values (each member is defined from the core's), so mapping is a cast; one
/// place for it, and a test checks the names match.
/// </summary>
internal static class CoreEnums
{
    public static Core.Training.PretrainVariant ToCore(this PretrainVariant v) => (Core.Training.PretrainVariant)v;
    public static Core.Networks.ResNetDepth ToCore(this ResNetDepth d) => (Core.Networks.ResNetDepth)d;
    public static Core.Dense.ChangeFusion ToCore(this ChangeDetection.ChangeFusion f) => (Core.Dense.ChangeFusion)f;
    public static bool UsesGeo(this PretrainVariant v) => Core.Training.PretrainVariantExtensions.UsesGeo(v.ToCore());
    public static bool UsesContrastive(this PretrainVariant v) => Core.Training.PretrainVariantExtensions.UsesContrastive(v.ToCore());
    public static bool UsesTemporalPositives(this PretrainVariant v) => Core.Training.PretrainVariantExtensions.UsesTemporalPositives(v.ToCore());
    public static Core.Export.TestTimeAugmentation ToCore(this TestTimeAugmentation a) => (Core.Export.TestTimeAugmentation)a;
    public static ResNetDepth ToPublic(this Core.Networks.ResNetDepth d) => (ResNetDepth)d;
}
