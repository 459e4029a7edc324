using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Teams;

public sealed record AddTeamMemberCommand(Guid TeamId, string Email, TeamRole Role);

/// <summary>Adds a member of the organization (found by e-mail address) to a team. Owners, Admins and the team's Maintainers.</summary>
public sealed class AddTeamMemberHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit, TimeProvider clock)
{
    public async Task<Result<Guid>> HandleAsync(AddTeamMemberCommand command, CancellationToken cancellationToken)
    {
        if (!current.IsActive || !Enum.IsDefined(command.Role))
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        var team = await db.Teams.AsNoTracking().SingleOrDefaultAsync(t => t.Id == command.TeamId, cancellationToken);
        if (team is null)
        {
            return TeamRules.TeamNotFound;
        }

        if (!await TeamRules.CanManageMembersAsync(db, current, team.Id, cancellationToken))
        {
            return Errors.Forbidden;
        }

        var normalized = (command.Email ?? "").Trim().ToUpperInvariant();
        var userId = await (from m in db.Memberships
                            join u in db.Users on m.UserId equals u.Id
                            where u.NormalizedEmail == normalized
                            select (Guid?)u.Id).FirstOrDefaultAsync(cancellationToken);
        if (userId is null)
        {
            return new Error("not_found", "No member of this organization has that e-mail address. Invite them first.");
        }

        if (await db.TeamMembers.AnyAsync(m => m.TeamId == team.Id && m.UserId == userId, cancellationToken))
        {
            return new Error("conflict", "That person is already in this team.");
        }

        db.TeamMembers.Add(new TeamMember { Id = Guid.CreateVersion7(clock.GetUtcNow()), TeamId = team.Id, UserId = userId.Value, Role = command.Role });
        var target = await MemberRules.NameOfAsync(db, userId.Value, cancellationToken);
        audit.Add(db, "team.member.added", "team", team.Id.ToString(), $"{target} to \"{team.Name}\" as {command.Role}",
            await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        return userId.Value;
    }
}
