using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Web.Features.Teams;

public sealed record RenameTeamCommand(Guid TeamId, string Name);

/// <summary>Renames a team. Owners and Admins.</summary>
public sealed class RenameTeamHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit)
{
    public async Task<Result<string>> HandleAsync(RenameTeamCommand command, CancellationToken cancellationToken)
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
        await using var db = dbs.Create();
        var team = await db.Teams.SingleOrDefaultAsync(t => t.Id == command.TeamId, cancellationToken);
        if (team is null)
        {
            return TeamRules.TeamNotFound;
        }

        var old = team.Name;
        team.Name = name;
        audit.Add(db, "team.renamed", "team", team.Id.ToString(), $"\"{old}\" → \"{name}\"",
            await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return new Error("conflict", "A team with that name already exists.");
        }

        return name;
    }
}
