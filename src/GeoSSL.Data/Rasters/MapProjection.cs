namespace GeoSSL.Data.Rasters;

/// <summary>
/// Map coordinates ↔ WGS84 longitude/latitude for the coordinate systems Sentinel-2 products come in:
/// EPSG:4326 (map X/Y already are lon/lat) and WGS84 UTM zones EPSG:32601–32660 (north) and 32701–32760 (south).
/// </summary>
internal sealed class MapProjection
{
    private readonly TransverseMercator? _utm;

    public int EpsgCode { get; }

    private MapProjection(int epsg, TransverseMercator? utm)
    {
        EpsgCode = epsg;
        _utm = utm;
    }

    /// <summary>The projection for <paramref name="epsg"/>; throws NotSupportedException naming the code for anything else.</summary>
    public static MapProjection FromEpsg(int epsg) => epsg switch
    {
        4326 => new MapProjection(epsg, null),
        >= 32601 and <= 32660 => new MapProjection(epsg, TransverseMercator.Utm(epsg - 32600, south: false)),
        >= 32701 and <= 32760 => new MapProjection(epsg, TransverseMercator.Utm(epsg - 32700, south: true)),
        _ => throw new NotSupportedException(
            $"EPSG:{epsg} is not supported; expected EPSG:4326 or a WGS84 UTM zone (EPSG:32601-32660, 32701-32760)."),
    };

    /// <summary>Longitude and latitude in degrees of a map point (X = easting or longitude, Y = northing or latitude).</summary>
    public (double Longitude, double Latitude) ToLonLat(double x, double y) => _utm is null ? (x, y) : _utm.Inverse(x, y);

    /// <summary>Map coordinates of a longitude/latitude in degrees.</summary>
    public (double X, double Y) FromLonLat(double longitude, double latitude) => _utm is null ? (longitude, latitude) : _utm.Forward(longitude, latitude);
}
