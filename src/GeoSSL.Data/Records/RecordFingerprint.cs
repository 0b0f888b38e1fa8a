using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GeoSSL.Data.Records;

/// <summary>
/// A short identity of the rows a run trains on (count and a SHA-256 of every row's path, location, coordinates and date,
/// in order), kept in checkpoints: an exact resume needs the same rows in the same order, and a resume on other data is
/// refused with this in the message rather than continuing a different run. Image bytes are not hashed (that would
/// mean reading every file twice); a file replaced under the same path is not noticed.
/// </summary>
internal static class RecordFingerprint
{
    public static string Of(IReadOnlyList<GeoImageRecord> records)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in records)
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{r.ImagePath}\u001f{r.LocationId}\u001f{r.Latitude:R}\u001f{r.Longitude:R}\u001f{r.Timestamp?.ToString("O", CultureInfo.InvariantCulture)}\n");
            hash.AppendData(Encoding.UTF8.GetBytes(line));
        }
        return $"{records.Count} rows, sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
    }
}
