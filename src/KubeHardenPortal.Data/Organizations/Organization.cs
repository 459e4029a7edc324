namespace KubeHardenPortal.Data.Organizations;

/// <summary>A tenant. Its id is the tenant id of every row it owns.</summary>
public sealed class Organization
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>URL-safe unique handle.</summary>
    public required string Slug { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Owners and Admins must have TOTP multi-factor authentication enabled to act in this organization.</summary>
    public bool RequireMfaForAdmins { get; set; }
}
