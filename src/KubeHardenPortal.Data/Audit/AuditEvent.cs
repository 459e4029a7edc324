using KubeHardenPortal.Data.Tenancy;

namespace KubeHardenPortal.Data.Audit;

/// <summary>One security-relevant action in the portal (PRODUCT.md C11). Append-only.</summary>
public sealed class AuditEvent : ITenantOwned
{
    public long Id { get; set; }

    public Guid TenantId { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>Dotted action name, e.g. "auth.signin.failed", "member.role.changed".</summary>
    public required string Action { get; set; }

    public Guid? ActorUserId { get; set; }

    public string? ActorName { get; set; }

    public string? TargetType { get; set; }

    public string? TargetId { get; set; }

    /// <summary>Human-readable detail; never secrets.</summary>
    public string? Detail { get; set; }

    public string? IpAddress { get; set; }
}
