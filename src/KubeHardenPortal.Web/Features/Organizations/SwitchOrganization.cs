using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Organizations;

public sealed record SwitchOrganizationCommand(Guid OrganizationId);

/// <summary>Stores the user's selected organization, only if they are a member of it.</summary>
public sealed class SwitchOrganizationHandler(TenantDbContextFactory dbs, CurrentOrganization current, OrganizationAccessResolver resolver)
{
    public async Task<Result<Guid>> HandleAsync(SwitchOrganizationCommand command, CancellationToken cancellationToken)
    {
        if (current.UserId is not { } userId)
        {
            return new Error("forbidden", "Sign in first.");
        }

        await using (var db = dbs.Create())
        {
            db.CurrentUserId = userId;
            var member = await db.MembershipsOfCurrentUser().AnyAsync(m => m.TenantId == command.OrganizationId, cancellationToken);
            if (!member)
            {
                return new Error("not_found", "You are not a member of that organization.");
            }

            await db.Users.Where(u => u.Id == userId)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.SelectedOrganizationId, command.OrganizationId), cancellationToken);
        }

        await resolver.ResolveAsync(userId, cancellationToken);
        return command.OrganizationId;
    }
}
