using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Dashboard;

public sealed record OrganizationOverview(
    int Members,
    int MembersWithMfa,
    int AdminsWithoutMfa,
    int Teams,
    int MyTeams,
    IReadOnlyList<AuditEventRow> RecentActivity);

/// <summary>What the dashboard shows before any cluster exists: the organization's setup and recent activity.</summary>
public sealed class GetOverviewHandler(TenantDbContextFactory dbs, CurrentOrganization current)
{
    public async Task<Result<OrganizationOverview>> HandleAsync(CancellationToken cancellationToken)
    {
        if (!current.IsActive)
        {
            return Errors.NoOrganization;
        }

        await using var db = dbs.Create();
        var members = await (from m in db.Memberships
                             join u in db.Users on m.UserId equals u.Id
                             select new { m.Role, u.TwoFactorEnabled }).AsNoTracking().ToListAsync(cancellationToken);
        var teams = await db.Teams.CountAsync(cancellationToken);
        var userId = current.UserId!.Value;
        var myTeams = await db.TeamMembers.Where(t => t.UserId == userId).Select(t => t.TeamId).Distinct().CountAsync(cancellationToken);
        IReadOnlyList<AuditEventRow> recent = [];
        if (ListAuditEventsHandler.CanRead(current))
        {
            recent = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(6)
                .Select(e => new AuditEventRow(e.Id, e.At, e.Action, e.ActorName, null, e.Detail, null))
                .ToListAsync(cancellationToken);
        }

        return new OrganizationOverview(
            members.Count,
            members.Count(m => m.TwoFactorEnabled),
            members.Count(m => m.Role >= OrgRole.Admin && !m.TwoFactorEnabled),
            teams,
            myTeams,
            recent);
    }
}

internal static class DashboardFeature
{
    public static IServiceCollection AddDashboard(this IServiceCollection services) => services.AddScoped<GetOverviewHandler>();
}
