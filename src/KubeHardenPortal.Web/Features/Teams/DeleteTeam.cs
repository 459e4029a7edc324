using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Teams;

public sealed record DeleteTeamCommand(Guid TeamId);

/// <summary>Deletes a team and its memberships. Owners and Admins.</summary>
public sealed class DeleteTeamHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit)
{
    public async Task<Result<Guid>> HandleAsync(DeleteTeamCommand command, CancellationToken cancellationToken)
    {
        if (!TeamRules.CanManageTeams(current))
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        var team = await db.Teams.SingleOrDefaultAsync(t => t.Id == command.TeamId, cancellationToken);
        if (team is null)
        {
            return TeamRules.TeamNotFound;
        }

        db.TeamMembers.RemoveRange(await db.TeamMembers.Where(m => m.TeamId == team.Id).ToListAsync(cancellationToken));
        db.Teams.Remove(team);
        audit.Add(db, "team.deleted", "team", team.Id.ToString(), team.Name, await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        return team.Id;
    }
}
