using System.Security.Claims;
using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// The one place the tenant of a scope is decided: from the signed-in user's stored selection, validated against
/// membership (and the organization's MFA policy) every time. Anything else leaves the tenant unset (fail closed).
/// </summary>
public sealed class OrganizationAccessResolver(
    IDbContextFactory<PortalDbContext> pool, TenantContext tenant, CurrentOrganization current)
{
    public async Task ResolveAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var userId = PortalClaims.UserId(principal);
        if (userId is null)
        {
            tenant.Clear();
            current.Set(OrganizationStatus.Unresolved, null, null, false, false, []);
            return;
        }

        await ResolveAsync(userId.Value, cancellationToken);
    }

    public async Task ResolveAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var db = pool.CreateDbContext();
        db.CurrentUserId = userId; // RLS: a user may read their own memberships across organizations.

        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.SelectedOrganizationId, u.TwoFactorEnabled })
            .SingleOrDefaultAsync(cancellationToken);

        var memberships = user is null
            ? []
            : await (from m in db.MembershipsOfCurrentUser()
                     join o in db.Organizations on m.TenantId equals o.Id
                     orderby o.Name
                     select new { Summary = new OrganizationSummary(o.Id, o.Name, o.Slug, m.Role), o.RequireMfaForAdmins })
                .AsNoTracking()
                .ToListAsync(cancellationToken);

        var summaries = memberships.Select(m => m.Summary).ToList();
        var selected = memberships.FirstOrDefault(m => m.Summary.Id == user?.SelectedOrganizationId);
        if (user is null || selected is null)
        {
            tenant.Set(null, user is null ? null : userId);
            current.Set(OrganizationStatus.NoOrganization, user is null ? null : userId, null, false, user?.TwoFactorEnabled ?? false, summaries);
            return;
        }

        var mfaMissing = selected.RequireMfaForAdmins && selected.Summary.Role >= OrgRole.Admin && !user.TwoFactorEnabled;
        if (mfaMissing)
        {
            tenant.Set(null, userId);
            current.Set(OrganizationStatus.MfaRequired, userId, selected.Summary, true, false, summaries);
            return;
        }

        tenant.Set(selected.Summary.Id, userId);
        current.Set(OrganizationStatus.Active, userId, selected.Summary, selected.RequireMfaForAdmins, user.TwoFactorEnabled, summaries);
    }
}
