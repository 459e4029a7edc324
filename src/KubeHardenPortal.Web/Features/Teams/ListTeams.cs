using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Teams;

public sealed record TeamMemberRow(Guid UserId, string DisplayName, string Email, TeamRole Role);

public sealed record TeamRow(Guid Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<TeamMemberRow> Members, TeamRole? MyRole);

/// <summary>
/// The active organization's teams with their members. A Member sees only the teams they belong to (PRODUCT.md §5);
/// Owners, Admins and Auditors see all of them.
/// </summary>
public sealed class ListTeamsHandler(TenantDbContextFactory dbs, CurrentOrganization current)
{
    public async Task<Result<IReadOnlyList<TeamRow>>> HandleAsync(CancellationToken cancellationToken)
    {
        if (!current.IsActive)
        {
            return Errors.NoOrganization;
        }

        await using var db = dbs.Create();
        var me = current.UserId;
        var visible = current.Has(Data.Organizations.OrgRole.Auditor)
            ? db.Teams
            : db.Teams.Where(t => db.TeamMembers.Any(m => m.TeamId == t.Id && m.UserId == me));
        var teams = await visible.AsNoTracking().OrderBy(t => t.Name).Select(t => new { t.Id, t.Name, t.CreatedAt }).ToListAsync(cancellationToken);
        var teamIds = teams.Select(t => t.Id).ToList();
        var members = await (from tm in db.TeamMembers
                             join u in db.Users on tm.UserId equals u.Id
                             where teamIds.Contains(tm.TeamId)
                             orderby tm.Role descending, u.DisplayName
                             select new { tm.TeamId, tm.UserId, u.DisplayName, Email = u.Email ?? "", tm.Role })
            .AsNoTracking().ToListAsync(cancellationToken);
        return teams.Select(t =>
        {
            var mine = members.Where(m => m.TeamId == t.Id).ToList();
            return new TeamRow(t.Id, t.Name, t.CreatedAt,
                mine.Select(m => new TeamMemberRow(m.UserId, m.DisplayName, m.Email, m.Role)).ToList(),
                mine.FirstOrDefault(m => m.UserId == me)?.Role);
        }).ToList();
    }
}

internal static class TeamsFeature
{
    public static IServiceCollection AddTeams(this IServiceCollection services) => services
        .AddScoped<ListTeamsHandler>()
        .AddScoped<CreateTeamHandler>()
        .AddScoped<RenameTeamHandler>()
        .AddScoped<DeleteTeamHandler>()
        .AddScoped<AddTeamMemberHandler>()
        .AddScoped<ChangeTeamMemberRoleHandler>()
        .AddScoped<RemoveTeamMemberHandler>();

    /// <summary>/api/v1/teams: all teams for Owners, Admins and Auditors; a Member's own teams (a token acts as no member).</summary>
    public static RouteGroupBuilder MapTeamEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("Teams").RequireOrgRole(Data.Organizations.OrgRole.Member);
        group.MapGet("/", async (ListTeamsHandler handler, CancellationToken cancellationToken) =>
                (await handler.HandleAsync(cancellationToken)).ToHttpResult())
            .Produces<IReadOnlyList<TeamRow>>();
        return group;
    }
}
