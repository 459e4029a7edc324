using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Web.Features.Teams;

public sealed record CreateTeamCommand(string Name);

/// <summary>Creates a team in the active organization. Owners and Admins.</summary>
public sealed class CreateTeamHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit, TimeProvider clock)
{
    public async Task<Result<Guid>> HandleAsync(CreateTeamCommand command, CancellationToken cancellationToken)
    {
        if (!TeamRules.CanManageTeams(current))
        {
            return Errors.Forbidden;
        }

        if (TeamRules.ValidateName(command.Name) is { } invalid)
        {
            return invalid;
        }

        var name = command.Name.Trim();
        var now = clock.GetUtcNow();
        await using var db = dbs.Create();
        var team = new Team { Id = Guid.CreateVersion7(now), Name = name, CreatedAt = now };
        db.Teams.Add(team);
        audit.Add(db, "team.created", "team", team.Id.ToString(), name, await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return new Error("conflict", "A team with that name already exists.");
        }

        return team.Id;
    }
}
