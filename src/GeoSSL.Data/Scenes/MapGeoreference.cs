using GeoSSL.Data.Rasters;

namespace GeoSSL.Data.Scenes;

/// <summary>Real georeferencing: the raster's affine transform to map coordinates, then its projection (EPSG:4326 or UTM) to lat/lon.</summary>
internal sealed class MapGeoreference(GeoTransform transform, MapProjection projection) : ISceneGeoreference
{
    public GeoTransform Transform { get; } = transform;

    public (double Latitude, double Longitude) PixelToLatLon(double col, double row)
    {
        var (x, y) = Transform.PixelToMap(col, row);
        var (lon, lat) = projection.ToLonLat(x, y);
        return (lat, lon);
    }

    public string Description => $"GeoTIFF transform, EPSG:{projection.EpsgCode}";
}
