using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Data.Tenancy;

/// <summary>
/// Scoped factory: one context per operation (Blazor-safe), created from the pooled factory and bound to the
/// scope's <see cref="TenantContext"/>. Pages and handlers inject this, never PortalDbContext directly.
/// </summary>
public sealed class TenantDbContextFactory(IDbContextFactory<PortalDbContext> pool, TenantContext tenant)
{
    public PortalDbContext Create()
    {
        var db = pool.CreateDbContext();
        db.CurrentTenantId = tenant.TenantId;
        db.CurrentUserId = tenant.UserId;
        return db;
    }

    /// <summary>A context bound to an explicit tenant (e.g. the organization being created or an invitation link).</summary>
    public PortalDbContext CreateFor(Guid tenantId)
    {
        var db = pool.CreateDbContext();
        db.CurrentTenantId = tenantId;
        db.CurrentUserId = tenant.UserId;
        return db;
    }
}
