namespace GeoSSL.Data.Scenes;

/// <summary>
/// A square window of a scene: top-left pixel (<see cref="X"/>, <see cref="Y"/>), side <see cref="Size"/> px, the lat/lon of
/// its centre, and a location id ("&lt;scene&gt;@&lt;x&gt;,&lt;y&gt;") shared by the same window at every date.
/// </summary>
internal sealed record SceneWindow(int SceneIndex, int X, int Y, int Size, double Latitude, double Longitude, string LocationId);
