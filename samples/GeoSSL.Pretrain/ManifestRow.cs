using Microsoft.ML.Data;

namespace GeoSSL.Samples.Pretrain;

/// <summary>One line of an OSCD-style manifest.csv.</summary>
public sealed class ManifestRow
{
    [LoadColumn(0)] public string ImagePath { get; set; } = "";
    [LoadColumn(1)] public string LocationId { get; set; } = "";
    [LoadColumn(2)] public string City { get; set; } = "";
    [LoadColumn(3)] public double Latitude { get; set; }
    [LoadColumn(4)] public double Longitude { get; set; }
    [LoadColumn(5)] public string Date { get; set; } = "";
}
