using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Invitations;

public sealed record RevokeInvitationCommand(Guid InvitationId);

/// <summary>Revokes a pending invitation so its link stops working. Owners and Admins; only Owners revoke Owner invitations.</summary>
public sealed class RevokeInvitationHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit, TimeProvider clock)
{
    public async Task<Result<Guid>> HandleAsync(RevokeInvitationCommand command, CancellationToken cancellationToken)
    {
        if (!MemberRules.CanManage(current))
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.Id == command.InvitationId, cancellationToken);
        if (invitation is null)
        {
            return new Error("not_found", "That invitation does not exist.");
        }

        if (invitation.Role == OrgRole.Owner && !current.Has(OrgRole.Owner))
        {
            return Errors.Forbidden;
        }

        if (invitation.AcceptedAt is not null || invitation.RevokedAt is not null)
        {
            return new Error("conflict", "That invitation is no longer pending.");
        }

        invitation.RevokedAt = clock.GetUtcNow();
        audit.Add(db, "invitation.revoked", "invitation", invitation.Id.ToString(), $"{invitation.Email} as {invitation.Role}",
            await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        return invitation.Id;
    }
}
