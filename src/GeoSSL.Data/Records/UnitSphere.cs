namespace GeoSSL.Data.Records;

/// <summary>
/// Latitude/longitude to a point on the unit sphere. Clustering there makes 179.9 E and 179.9 W neighbours
/// (plain lat/lon k-means would put them 360 degrees apart) and treats high latitudes without distortion.
/// </summary>
public static class UnitSphere
{
    public static (float X, float Y, float Z) FromDegrees(double latitude, double longitude)
    {
        double phi = latitude * Math.PI / 180, lambda = longitude * Math.PI / 180;
        return ((float)(Math.Cos(phi) * Math.Cos(lambda)), (float)(Math.Cos(phi) * Math.Sin(lambda)), (float)Math.Sin(phi));
    }
}
