namespace GeoSSL.Data.Scenes;

/// <summary>Pixel position (GDAL convention, corner of the top-left pixel = (0, 0)) to WGS84 latitude/longitude.</summary>
internal interface ISceneGeoreference
{
    (double Latitude, double Longitude) PixelToLatLon(double col, double row);

    string Description { get; }
}
