using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;

namespace KubeHardenPortal.Data.ApiTokens;

/// <summary>An organization API token: shown once, stored as a SHA-256 hash, scoped to a role, expiring, revocable.</summary>
public sealed class ApiToken : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the token, to recognise it in lists (not enough to use it).</summary>
    public required string Prefix { get; set; }

    public required string TokenHash { get; set; }

    public OrgRole Role { get; set; }

    public Guid CreatedByUserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
