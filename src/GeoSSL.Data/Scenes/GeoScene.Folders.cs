namespace GeoSSL.Data.Scenes;

internal sealed partial class GeoScene
{
    /// <summary>
    /// Scenes from folders as users have them: one folder in OSCD's RGB change layout (it has a manifest.csv) gives all its
    /// cities; otherwise each folder is a Sentinel-2 city folder whose <paramref name="bands"/> are stacked on the 10 m grid.
    /// </summary>
    /// <param name="bands">Sentinel-2 bands, comma-separated, or "all".</param>
    public static IReadOnlyList<GeoScene> FromFolders(IReadOnlyList<string> folders, string bands)
    {
        ArgumentNullException.ThrowIfNull(folders);
        if (folders.Count == 1 && File.Exists(Path.Combine(folders[0], "manifest.csv"))) return FromOscdChange(folders[0]);
        return folders.Select(f => FromSentinel2(f, bands)).ToList();
    }
}
