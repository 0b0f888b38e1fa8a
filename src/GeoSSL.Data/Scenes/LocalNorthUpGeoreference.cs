namespace GeoSSL.Data.Scenes;

/// <summary>
/// An approximate north-up georeferencing for rasters that carry none (the OSCD change PNGs): square pixels of a nominal
/// ground size, the image's geometric centre at a known lat/lon, and metres turned into degrees with the WGS84 ellipsoid's
/// radii of curvature at that latitude (meridional for north-south, prime-vertical x cos(lat) for east-west).
/// </summary>
/// <remarks>
/// Error bound. The linearisation itself is tiny: over a scene's half-extent (&lt; 5 km) the neglected change of the radii
/// and of cos(lat) moves a point by under 5 m. The assumed pixel size dominates: OSCD's released rasters were warped to
/// EPSG:4326 with square pixels in degrees, so a pixel is not 10 m x 10 m on the ground. Measured on bercy and paris
/// (48.8 N, where the GeoTIFFs are available) a pixel is about 8.5 m east-west and 12.9 m north-south, so this mapping
/// is off by about 15 % (E-W) and 23 % (N-S) of the distance to the centre: ~0.3 km E-W and ~0.6 km N-S at those scenes'
/// edges, 0.64-0.66 km at their corners (SceneWindowTests measures it). For the largest scene (beihai, 772 x 902 px) a 30 % scale error would be at most ~1.8 km at a corner.
/// Centres of whole scenes are exact (the manifest's), and windows keep their correct order in latitude and longitude,
/// which is what geo clusters of cities hundreds of kilometres apart need; do not use it for metre-level work.
/// </remarks>
internal sealed class LocalNorthUpGeoreference : ISceneGeoreference
{
    private const double SemiMajorAxis = 6378137.0;              // WGS84
    private const double EccentricitySquared = 6.69437999014e-3; // WGS84

    private readonly double _centreLat, _centreLon, _centreCol, _centreRow;
    private readonly double _degreesLatPerPixel, _degreesLonPerPixel;

    public double MetresPerPixel { get; }

    public LocalNorthUpGeoreference(double centreLatitude, double centreLongitude, int width, int height, double metresPerPixel)
    {
        _centreLat = centreLatitude;
        _centreLon = centreLongitude;
        _centreCol = width / 2.0;
        _centreRow = height / 2.0;
        MetresPerPixel = metresPerPixel;
        double phi = centreLatitude * Math.PI / 180, s2 = Math.Sin(phi) * Math.Sin(phi);
        double w = 1 - EccentricitySquared * s2;
        double meridional = SemiMajorAxis * (1 - EccentricitySquared) / (w * Math.Sqrt(w));
        double primeVertical = SemiMajorAxis / Math.Sqrt(w);
        _degreesLatPerPixel = metresPerPixel / meridional * 180 / Math.PI;
        _degreesLonPerPixel = metresPerPixel / (primeVertical * Math.Cos(phi)) * 180 / Math.PI;
    }

    public (double Latitude, double Longitude) PixelToLatLon(double col, double row)
    {
        double lon = _centreLon + (col - _centreCol) * _degreesLonPerPixel;
        // keep longitudes in (-180, 180] for a scene straddling the antimeridian
        if (lon > 180) lon -= 360;
        else if (lon <= -180) lon += 360;
        return (_centreLat - (row - _centreRow) * _degreesLatPerPixel, lon);
    }

    public string Description => $"approximate north-up, {MetresPerPixel} m/px around ({_centreLat}, {_centreLon})";
}
