using System.Globalization;

namespace GeoSSL.Data.Sources;

/// <summary>
/// The centre of a WKT polygon in lon/lat degrees, as fMoW's <c>raw_location</c> gives an image's footprint:
/// <c>POLYGON ((lon lat, lon lat, ...))</c>. Only the outer ring is used (holes barely move a footprint's centre).
/// </summary>
internal static class WktPolygon
{
    /// <summary>Area-weighted (shoelace) centroid of the outer ring; the vertex mean when the ring has no area.</summary>
    /// <exception cref="FormatException">Not a POLYGON, a coordinate is not a number, fewer than 3 distinct points, or out of range.</exception>
    public static (double Latitude, double Longitude) Centroid(string wkt)
    {
        var ring = OuterRing(wkt);
        // A closed ring repeats its first point; counted twice it would pull the vertex mean (and the fallback) toward it.
        if (ring.Count > 1 && ring[0] == ring[^1]) ring.RemoveAt(ring.Count - 1);
        if (ring.Distinct().Count() < 3) throw new FormatException($"the polygon has {ring.Distinct().Count()} distinct point(s); a footprint needs at least 3");
        foreach (var (lon, lat) in ring)
        {
            if (!double.IsFinite(lon) || !double.IsFinite(lat) || lat is < -90 or > 90 || lon is < -180 or > 180)
                throw new FormatException($"the point ({lon.ToString(CultureInfo.InvariantCulture)} {lat.ToString(CultureInfo.InvariantCulture)}) " +
                    "is not a longitude in [-180, 180] and a latitude in [-90, 90]");
        }
        // A footprint crossing the antimeridian (lons near +180 and -180) is small in truth: unwrap it so it stays small.
        bool wraps = ring.Max(p => p.Lon) - ring.Min(p => p.Lon) > 180;
        var pts = ring.Select(p => (X: wraps && p.Lon < 0 ? p.Lon + 360 : p.Lon, Y: p.Lat)).ToList();
        // Coordinates relative to the first point: footprints are tiny next to their lon/lat, so this keeps the
        // shoelace products from cancelling in double precision.
        double x0 = pts[0].X, y0 = pts[0].Y, twiceArea = 0, cx = 0, cy = 0;
        for (int i = 0; i < pts.Count; i++)
        {
            double xa = pts[i].X - x0, ya = pts[i].Y - y0;
            double xb = pts[(i + 1) % pts.Count].X - x0, yb = pts[(i + 1) % pts.Count].Y - y0;
            double cross = xa * yb - xb * ya;
            twiceArea += cross;
            cx += (xa + xb) * cross;
            cy += (ya + yb) * cross;
        }
        double extent = Math.Max(pts.Max(p => p.X) - pts.Min(p => p.X), pts.Max(p => p.Y) - pts.Min(p => p.Y));
        double x, y;
        if (Math.Abs(twiceArea) <= 1e-12 * extent * extent)
        {
            // Degenerate (all points on a line): no area to weight by, so the mean of the distinct points.
            var distinct = pts.Distinct().ToList();
            x = distinct.Average(p => p.X);
            y = distinct.Average(p => p.Y);
        }
        else
        {
            x = x0 + cx / (3 * twiceArea);
            y = y0 + cy / (3 * twiceArea);
        }
        if (x > 180) x -= 360;
        return (y, x);
    }

    private static List<(double Lon, double Lat)> OuterRing(string wkt)
    {
        var text = wkt.AsSpan().Trim();
        if (!text.StartsWith("POLYGON", StringComparison.OrdinalIgnoreCase))
            throw new FormatException("it is not a WKT POLYGON ((lon lat, ...))");
        var body = text["POLYGON".Length..].TrimStart();
        if (body.StartsWith("Z ", StringComparison.OrdinalIgnoreCase)) body = body[2..].TrimStart(); // POLYGON Z: height ignored
        if (!body.StartsWith("(")) throw new FormatException("it is not a WKT POLYGON ((lon lat, ...))");
        body = body[1..].TrimStart();
        if (!body.StartsWith("(")) throw new FormatException("it is not a WKT POLYGON ((lon lat, ...))");
        int close = body.IndexOf(')');
        if (close < 0) throw new FormatException("its ring has no closing ')'");
        var points = new List<(double, double)>();
        foreach (var part in body[1..close].ToString().Split(','))
        {
            var xy = part.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (xy.Length is < 2 or > 4
                || !double.TryParse(xy[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double lon)
                || !double.TryParse(xy[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double lat))
                throw new FormatException($"'{part.Trim()}' is not a 'lon lat' point");
            points.Add((lon, lat));
        }
        return points;
    }
}
