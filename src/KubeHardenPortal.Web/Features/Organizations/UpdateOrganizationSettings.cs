using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Organizations;

public sealed record RenameOrganizationCommand(string Name);

public sealed record SetMfaRequirementCommand(bool RequireMfaForAdmins);

/// <summary>Organization settings: rename and the MFA policy. Owners and Admins only, in the active organization.</summary>
public sealed class UpdateOrganizationSettingsHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit,
    OrganizationAccessResolver resolver, MembershipChanges changes)
{
    public async Task<Result<string>> HandleAsync(RenameOrganizationCommand command, CancellationToken cancellationToken)
    {
        if (!current.Has(OrgRole.Admin))
        {
            return Errors.Forbidden;
        }

        if (OrganizationName.Validate(command.Name) is { } invalid)
        {
            return invalid;
        }

        var org = current.Organization!;
        var name = command.Name.Trim();
        await using var db = dbs.Create();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Organizations.Where(o => o.Id == org.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Name, name), cancellationToken);
        audit.Add(db, "organization.renamed", "organization", org.Id.ToString(), $"\"{org.Name}\" → \"{name}\"",
            await CreateOrganizationHandler.ActorNameAsync(db, current.UserId!.Value, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await resolver.ResolveAsync(current.UserId!.Value, cancellationToken);
        return name;
    }

    public async Task<Result<bool>> HandleAsync(SetMfaRequirementCommand command, CancellationToken cancellationToken)
    {
        if (!current.Has(OrgRole.Admin))
        {
            return Errors.Forbidden;
        }

        if (command.RequireMfaForAdmins && !current.UserHasMfa)
        {
            return new Error("invalid", "Enable an authenticator app on your own account first, so you keep access after the change.");
        }

        var org = current.Organization!;
        await using var db = dbs.Create();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Organizations.Where(o => o.Id == org.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.RequireMfaForAdmins, command.RequireMfaForAdmins), cancellationToken);
        audit.Add(db, command.RequireMfaForAdmins ? "policy.mfa.required" : "policy.mfa.optional", "organization", org.Id.ToString(),
            command.RequireMfaForAdmins ? "Owners and Admins must use multi-factor authentication" : "Multi-factor authentication is optional",
            await CreateOrganizationHandler.ActorNameAsync(db, current.UserId!.Value, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        changes.OrganizationChanged(org.Id); // open circuits of its Owners and Admins re-check the MFA policy on their next event
        await resolver.ResolveAsync(current.UserId!.Value, cancellationToken);
        return command.RequireMfaForAdmins;
    }
}
