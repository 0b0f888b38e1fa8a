namespace GeoSSL.Data.Geo;

/// <summary>
/// Latitude/longitude to a point on the unit sphere. Clustering there makes 179.9 E and 179.9 W neighbours
/// (plain lat/lon k-means would put them 360 degrees apart) and treats high latitudes without distortion.
/// Doubles, because neighbouring tiles are ~1e-4 apart on the unit sphere and their squared distances (~1e-8)
/// vanish in float32 arithmetic on coordinates of size 1.
/// </summary>
internal static class UnitSphere
{
    public static (double X, double Y, double Z) FromDegrees(double latitude, double longitude)
    {
        double phi = latitude * Math.PI / 180, lambda = longitude * Math.PI / 180;
        return (Math.Cos(phi) * Math.Cos(lambda), Math.Cos(phi) * Math.Sin(lambda), Math.Sin(phi));
    }
}
