using KubeHardenPortal.Data.Organizations;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Data.Tenancy;

/// <summary>
/// The few queries that legitimately cross the "Tenant" filter, kept here so the bypass lives in one reviewed place
/// (architecture test: IgnoreQueryFilters is allowed only here, in the scheduler and in tests).
/// </summary>
public static class TenantQueries
{
    /// <summary>
    /// The signed-in user's memberships in every organization (the organization switcher, sign-in). Row-level
    /// security backs this up: the application role reads other tenants' memberships only where user_id is the
    /// connection's app.user_id, and can never write them.
    /// </summary>
    public static IQueryable<Membership> MembershipsOfCurrentUser(this PortalDbContext db)
    {
        var user = db.CurrentUserId;
        return user is null
            ? db.Memberships.Where(_ => false)
            : db.Memberships.IgnoreQueryFilters([PortalDbContext.TenantFilter]).Where(m => m.UserId == user.Value);
    }
}
