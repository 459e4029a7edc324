using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Teams;

public sealed record ChangeTeamMemberRoleCommand(Guid TeamId, Guid UserId, TeamRole Role);

/// <summary>Changes a team member's team role. Owners, Admins and the team's Maintainers.</summary>
public sealed class ChangeTeamMemberRoleHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit)
{
    public async Task<Result<TeamRole>> HandleAsync(ChangeTeamMemberRoleCommand command, CancellationToken cancellationToken)
    {
        if (!current.IsActive || !Enum.IsDefined(command.Role))
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

        var from = member.Role;
        member.Role = command.Role;
        var target = await MemberRules.NameOfAsync(db, command.UserId, cancellationToken);
        audit.Add(db, "team.member.role.changed", "team", command.TeamId.ToString(), $"{target}: {from} → {command.Role}",
            await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        return command.Role;
    }
}
