namespace KubeHardenPortal.Data.Tenancy;

/// <summary>
/// The tenant (and user) of the current unit of work, set from an explicit source only: the circuit's signed-in
/// user, the API token, or a job argument — never ambient HTTP state. Unset means "no tenant": every tenant
/// query returns nothing and every tenant write throws (fail closed).
/// </summary>
public sealed class TenantContext
{
    public Guid? TenantId { get; private set; }

    /// <summary>The signed-in user, used by row-level security to list the user's own memberships across tenants.</summary>
    public Guid? UserId { get; private set; }

    public void Set(Guid? tenantId, Guid? userId)
    {
        TenantId = tenantId == Guid.Empty ? null : tenantId;
        UserId = userId == Guid.Empty ? null : userId;
    }

    public void Clear() => Set(null, null);
}
