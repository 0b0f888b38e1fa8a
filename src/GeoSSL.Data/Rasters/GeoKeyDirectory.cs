namespace GeoSSL.Data.Rasters;

/// <summary>Parses the GeoKeyDirectoryTag (34735): a header of 4 shorts, then 4 shorts per key (id, location, count, value).</summary>
internal static class GeoKeyDirectory
{
    internal const int ModelTypeKey = 1024;
    internal const int RasterTypeKey = 1025;
    internal const int GeographicTypeKey = 2048;
    internal const int ProjectedCsTypeKey = 3072;
    private const int UserDefined = 32767;
    private const int ModelTypeProjected = 1;

    /// <summary>The short-valued keys stored inline (location 0); keys stored in the double/ASCII tags are not needed here.</summary>
    internal static Dictionary<int, int> InlineKeys(ushort[] directory)
    {
        var keys = new Dictionary<int, int>();
        if (directory.Length < 4) return keys;
        int count = directory[3];
        for (int i = 0; i < count && 4 + 4 * i + 3 < directory.Length; i++)
        {
            int at = 4 + 4 * i;
            if (directory[at + 1] == 0) keys[directory[at]] = directory[at + 3];
        }
        return keys;
    }

    /// <summary>The EPSG code: the projected CS when the model is projected (or only that is given), else the geographic CS; null when user-defined or absent.</summary>
    internal static int? Epsg(Dictionary<int, int> keys)
    {
        keys.TryGetValue(ModelTypeKey, out int modelType);
        bool hasProjected = keys.TryGetValue(ProjectedCsTypeKey, out int projected) && projected != UserDefined && projected != 0;
        bool hasGeographic = keys.TryGetValue(GeographicTypeKey, out int geographic) && geographic != UserDefined && geographic != 0;
        if (hasProjected && (modelType == ModelTypeProjected || !hasGeographic)) return projected;
        if (hasGeographic) return geographic;
        return null;
    }

    internal static RasterPixelType PixelType(Dictionary<int, int> keys) =>
        keys.TryGetValue(RasterTypeKey, out int t) && t == (int)RasterPixelType.PixelIsPoint ? RasterPixelType.PixelIsPoint : RasterPixelType.PixelIsArea;
}
