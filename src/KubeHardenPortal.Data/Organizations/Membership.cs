using KubeHardenPortal.Data.Tenancy;

namespace KubeHardenPortal.Data.Organizations;

/// <summary>A user's role in one organization.</summary>
public sealed class Membership : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Guid UserId { get; set; }

    public OrgRole Role { get; set; }

    public DateTimeOffset JoinedAt { get; set; }
}
