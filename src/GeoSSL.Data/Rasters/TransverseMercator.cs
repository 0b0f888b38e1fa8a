namespace GeoSSL.Data.Rasters;

/// <summary>
/// WGS84 transverse Mercator by Krüger's series in n to 4th order (as in the UTM article's formulas and Karney 2011):
/// millimetre-level within a UTM zone, far better than a Sentinel-2 pixel.
/// </summary>
internal sealed class TransverseMercator
{
    private const double A = 6378137.0;
    private const double F = 1 / 298.257223563;

    private static readonly double N = F / (2 - F);
    private static readonly double RectifyingRadius = A / (1 + N) * (1 + N * N / 4 + Math.Pow(N, 4) / 64);
    private static readonly double E = 2 * Math.Sqrt(N) / (1 + N);
    private static readonly double[] Alpha =
    [
        N / 2 - 2 * N * N / 3 + 5 * Math.Pow(N, 3) / 16 + 41 * Math.Pow(N, 4) / 180,
        13 * N * N / 48 - 3 * Math.Pow(N, 3) / 5 + 557 * Math.Pow(N, 4) / 1440,
        61 * Math.Pow(N, 3) / 240 - 103 * Math.Pow(N, 4) / 140,
        49561 * Math.Pow(N, 4) / 161280,
    ];
    private static readonly double[] Beta =
    [
        N / 2 - 2 * N * N / 3 + 37 * Math.Pow(N, 3) / 96 - Math.Pow(N, 4) / 360,
        N * N / 48 + Math.Pow(N, 3) / 15 - 437 * Math.Pow(N, 4) / 1440,
        17 * Math.Pow(N, 3) / 480 - 37 * Math.Pow(N, 4) / 840,
        4397 * Math.Pow(N, 4) / 161280,
    ];
    private static readonly double[] Delta =
    [
        2 * N - 2 * N * N / 3 - 2 * Math.Pow(N, 3) + 116 * Math.Pow(N, 4) / 45,
        7 * N * N / 3 - 8 * Math.Pow(N, 3) / 5 - 227 * Math.Pow(N, 4) / 45,
        56 * Math.Pow(N, 3) / 15 - 136 * Math.Pow(N, 4) / 35,
        4279 * Math.Pow(N, 4) / 630,
    ];

    private readonly double _centralMeridianRad;
    private readonly double _scale;
    private readonly double _falseEasting;
    private readonly double _falseNorthing;

    internal TransverseMercator(double centralMeridianDeg, double scale, double falseEasting, double falseNorthing)
    {
        _centralMeridianRad = centralMeridianDeg * Math.PI / 180;
        _scale = scale;
        _falseEasting = falseEasting;
        _falseNorthing = falseNorthing;
    }

    /// <summary>The UTM projection of a WGS84 zone (1..60); the southern hemisphere adds a 10,000 km false northing.</summary>
    internal static TransverseMercator Utm(int zone, bool south) =>
        new(zone * 6 - 183, 0.9996, 500000, south ? 10000000 : 0);

    internal (double Easting, double Northing) Forward(double lonDeg, double latDeg)
    {
        double phi = latDeg * Math.PI / 180, dLambda = lonDeg * Math.PI / 180 - _centralMeridianRad;
        double sinPhi = Math.Sin(phi);
        double t = Math.Sinh(Math.Atanh(sinPhi) - E * Math.Atanh(E * sinPhi));
        double xiP = Math.Atan2(t, Math.Cos(dLambda));
        double etaP = Math.Atanh(Math.Sin(dLambda) / Math.Sqrt(1 + t * t));
        double xi = xiP, eta = etaP;
        for (int j = 1; j <= 4; j++)
        {
            xi += Alpha[j - 1] * Math.Sin(2 * j * xiP) * Math.Cosh(2 * j * etaP);
            eta += Alpha[j - 1] * Math.Cos(2 * j * xiP) * Math.Sinh(2 * j * etaP);
        }
        return (_falseEasting + _scale * RectifyingRadius * eta, _falseNorthing + _scale * RectifyingRadius * xi);
    }

    internal (double LonDeg, double LatDeg) Inverse(double easting, double northing)
    {
        double xi = (northing - _falseNorthing) / (_scale * RectifyingRadius);
        double eta = (easting - _falseEasting) / (_scale * RectifyingRadius);
        double xiP = xi, etaP = eta;
        for (int j = 1; j <= 4; j++)
        {
            xiP -= Beta[j - 1] * Math.Sin(2 * j * xi) * Math.Cosh(2 * j * eta);
            etaP -= Beta[j - 1] * Math.Cos(2 * j * xi) * Math.Sinh(2 * j * eta);
        }
        double chi = Math.Asin(Math.Sin(xiP) / Math.Cosh(etaP));
        double phi = chi;
        for (int j = 1; j <= 4; j++) phi += Delta[j - 1] * Math.Sin(2 * j * chi);
        double lambda = _centralMeridianRad + Math.Atan2(Math.Sinh(etaP), Math.Cos(xiP));
        return (lambda * 180 / Math.PI, phi * 180 / Math.PI);
    }
}
