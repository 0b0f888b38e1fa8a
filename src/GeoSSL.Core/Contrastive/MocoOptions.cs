using GeoSSL.Core.Networks;

namespace GeoSSL.Core.Contrastive;

/// <summary>Shape of the MoCo-v2 model. Defaults follow MoCo-v2 / the GASSL paper.</summary>
internal sealed record MocoOptions
{
    public ResNetOptions Encoder { get; init; } = new();

    /// <summary>Output width of the projection head (128 in MoCo-v2).</summary>
    public int ProjectionDimension { get; init; } = 128;

    /// <summary>Negatives kept in the queue (65536 in the paper). Any size works with any batch size.</summary>
    public int QueueSize { get; init; } = 65536;

    /// <summary>Momentum of the key encoder update (0.999 in the paper).</summary>
    public double Momentum { get; init; } = 0.999;

    /// <summary>InfoNCE temperature (0.2 in MoCo-v2).</summary>
    public double Temperature { get; init; } = 0.2;

    /// <summary>Number of geo classes predicted from the query projection; 0 disables the geo head.</summary>
    public int GeoClasses { get; init; }

    /// <summary>False for geo-only pretext training: no key encoder, no queue.</summary>
    public bool Contrastive { get; init; } = true;

    public void Validate()
    {
        Encoder.Validate();
        if (ProjectionDimension < 1) throw new ArgumentOutOfRangeException(nameof(ProjectionDimension), ProjectionDimension, "Must be positive.");
        if (Contrastive && QueueSize < 1) throw new ArgumentOutOfRangeException(nameof(QueueSize), QueueSize, "The queue needs at least one slot.");
        if (Momentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1].");
        if (Temperature <= 0) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be positive.");
        if (GeoClasses < 0) throw new ArgumentOutOfRangeException(nameof(GeoClasses), GeoClasses, "Cannot be negative.");
        if (!Contrastive && GeoClasses == 0) throw new ArgumentException("Geo-only training needs GeoClasses > 0.", nameof(GeoClasses));
    }
}
