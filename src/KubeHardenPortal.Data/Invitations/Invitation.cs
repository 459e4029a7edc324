using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;

namespace KubeHardenPortal.Data.Invitations;

/// <summary>An invitation by link: the link carries a random token; only its SHA-256 hash is stored.</summary>
public sealed class Invitation : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public required string Email { get; set; }

    public OrgRole Role { get; set; }

    public required string TokenHash { get; set; }

    public Guid InvitedByUserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? AcceptedAt { get; set; }

    public Guid? AcceptedByUserId { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
