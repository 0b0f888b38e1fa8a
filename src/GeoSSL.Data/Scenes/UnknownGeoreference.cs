namespace GeoSSL.Data.Scenes;

/// <summary>
/// For images that carry no location (plain PNG/JPEG files given by the user): every position maps to NaN, so nothing
/// downstream mistakes a made-up coordinate for a real one.
/// </summary>
internal sealed class UnknownGeoreference : ISceneGeoreference
{
    public static UnknownGeoreference Instance { get; } = new();

    public (double Latitude, double Longitude) PixelToLatLon(double col, double row) => (double.NaN, double.NaN);

    public string Description => "none: the image files carry no georeferencing (latitude/longitude are NaN)";
}
