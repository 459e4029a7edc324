using KubeHardenPortal.Data.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KubeHardenPortal.Data.Tenancy;

/// <summary>
/// Layer 2 of tenant isolation: added tenant rows are stamped with the context's tenant; any added, modified or
/// deleted tenant row of another tenant — or any tenant write without a tenant — throws before SQL is sent.
/// An <see cref="Organization"/> is the tenant itself: it may only be written as the current tenant.
/// </summary>
public sealed class TenantSaveChangesGuard : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbContext? context)
    {
        if (context is not PortalDbContext db)
        {
            return;
        }

        foreach (var entry in db.ChangeTracker.Entries<ITenantOwned>())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            var tenant = db.CurrentTenantId ?? throw new TenantMismatchException(
                $"{entry.State} {entry.Metadata.ClrType.Name} without a tenant: set the tenant explicitly first");

            if (entry.State == EntityState.Added && entry.Entity.TenantId == Guid.Empty)
            {
                // Through the entry, so the state manager sees the change (tenant_id is part of alternate keys).
                entry.Property(e => e.TenantId).CurrentValue = tenant;
            }

            var original = entry.State == EntityState.Added ? entry.Entity.TenantId : entry.Property(e => e.TenantId).OriginalValue;
            if (entry.Entity.TenantId != tenant || original != tenant)
            {
                throw new TenantMismatchException(
                    $"{entry.State} {entry.Metadata.ClrType.Name} of another tenant refused (row tenant {original}, context tenant {tenant})");
            }
        }

        foreach (var entry in db.ChangeTracker.Entries<Organization>())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            var original = entry.State == EntityState.Added ? entry.Entity.Id : entry.Property(o => o.Id).OriginalValue;
            if (db.CurrentTenantId is not { } tenant || entry.Entity.Id != tenant || original != tenant)
            {
                throw new TenantMismatchException(
                    $"{entry.State} Organization {original} refused: only the current tenant ({db.CurrentTenantId?.ToString() ?? "none"}) may be written");
            }
        }
    }
}
