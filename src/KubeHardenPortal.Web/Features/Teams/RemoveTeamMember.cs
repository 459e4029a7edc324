using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Teams;

public sealed record RemoveTeamMemberCommand(Guid TeamId, Guid UserId);

/// <summary>Removes someone from a team (they stay in the organization). Owners, Admins and the team's Maintainers.</summary>
public sealed class RemoveTeamMemberHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit)
{
    public async Task<Result<Guid>> HandleAsync(RemoveTeamMemberCommand command, CancellationToken cancellationToken)
    {
        if (!current.IsActive)
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        var member = await db.TeamMembers.SingleOrDefaultAsync(m => m.TeamId == command.TeamId && m.UserId == command.UserId, cancellationToken);
        if (member is null)
        {
            return new Error("not_found", "That person is not in this team.");
        }

        if (!await TeamRules.CanManageMembersAsync(db, current, command.TeamId, cancellationToken))
        {
            return Errors.Forbidden;
        }

        db.TeamMembers.Remove(member);
        var target = await MemberRules.NameOfAsync(db, command.UserId, cancellationToken);
        audit.Add(db, "team.member.removed", "team", command.TeamId.ToString(), $"{target} ({member.Role})",
            await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        return command.UserId;
    }
}
