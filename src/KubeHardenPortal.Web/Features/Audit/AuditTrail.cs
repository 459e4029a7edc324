using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Audit;
using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Audit;

/// <summary>Records security-relevant actions (PRODUCT.md C11) in the same transaction as the change they describe.</summary>
public sealed class AuditTrail(TimeProvider clock, CurrentOrganization current, TenantDbContextFactory dbs)
{
    /// <summary>Adds an event to <paramref name="db"/>; it is saved with the caller's SaveChanges.</summary>
    public void Add(PortalDbContext db, string action, string? targetType = null, string? targetId = null, string? detail = null,
        string? actorName = null, Guid? actorId = null, string? ipAddress = null) =>
        db.AuditEvents.Add(new AuditEvent
        {
            At = clock.GetUtcNow(),
            Action = action,
            ActorUserId = actorId ?? current.UserId,
            ActorName = actorName,
            TargetType = targetType,
            TargetId = targetId,
            Detail = detail,
            IpAddress = ipAddress,
        });

    /// <summary>
    /// Records an account event (sign-in, lockout, MFA change) in the organization the user has selected, if they are
    /// still a member of it. Accounts are global, so an event without a valid organization is only logged.
    /// </summary>
    public async Task RecordAccountEventAsync(PortalUser user, string action, string? detail, string? ipAddress,
        CancellationToken cancellationToken)
    {
        var userId = user.Id;
        var userName = string.IsNullOrWhiteSpace(user.DisplayName) ? user.Email : user.DisplayName;
        Guid? org;
        await using (var lookup = dbs.Create())
        {
            lookup.CurrentUserId = userId;
            org = await (from u in lookup.Users
                         join m in lookup.MembershipsOfCurrentUser()
                             on new { U = u.Id, T = u.SelectedOrganizationId } equals new { U = m.UserId, T = (Guid?)m.TenantId }
                         where u.Id == userId
                         select (Guid?)m.TenantId).FirstOrDefaultAsync(cancellationToken);
        }

        if (org is null)
        {
            return;
        }

        await using var db = dbs.CreateFor(org.Value);
        db.CurrentUserId = userId;
        Add(db, action, "user", userId.ToString(), detail, userName, userId, ipAddress);
        await db.SaveChangesAsync(cancellationToken);
    }
}
