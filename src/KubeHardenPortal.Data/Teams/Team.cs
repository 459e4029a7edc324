using KubeHardenPortal.Data.Tenancy;

namespace KubeHardenPortal.Data.Teams;

public sealed class Team : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Team roles (PRODUCT.md §5).</summary>
public enum TeamRole
{
    Viewer,
    Engineer,
    Maintainer,
}

public sealed class TeamMember : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid TeamId { get; set; }

    public Guid UserId { get; set; }

    public TeamRole Role { get; set; }
}
