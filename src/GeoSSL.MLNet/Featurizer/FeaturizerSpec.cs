using GeoSSL.MLNet.Reading;

namespace GeoSSL.MLNet.Featurizer;

/// <summary>Where a featurizer reads images from and what it writes.</summary>
internal sealed record FeaturizerSpec(string ImageColumnName, ImageColumnKind ImageKind, string? ImageFolder, int ImageHeight, int ImageWidth, string OutputColumnName);
