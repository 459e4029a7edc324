using System.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Members;

public sealed record RemoveMemberCommand(Guid UserId);

/// <summary>
/// Removes a member (their team memberships, and the API tokens they created, which never outlive their membership)
/// from the organization. Never the last Owner.
/// </summary>
public sealed class RemoveMemberHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit,
    OrganizationAccessResolver resolver, TimeProvider clock, MembershipChanges changes)
{
    public Task<Result<Guid>> HandleAsync(RemoveMemberCommand command, CancellationToken cancellationToken) =>
        MemberRules.GuardConcurrentAsync(() => ChangeAsync(command, cancellationToken));

    private async Task<Result<Guid>> ChangeAsync(RemoveMemberCommand command, CancellationToken cancellationToken)
    {
        if (!MemberRules.CanManage(current))
        {
            return Errors.Forbidden;
        }

        await using var db = dbs.Create();
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.UserId == command.UserId, cancellationToken);
        if (membership is null)
        {
            return MemberRules.NotFound;
        }

        if (!MemberRules.MayTouch(current, membership.Role))
        {
            return Errors.Forbidden;
        }

        if (membership.Role == OrgRole.Owner && await MemberRules.OwnerCountAsync(db, cancellationToken) <= 1)
        {
            return MemberRules.LastOwner;
        }

        var actor = await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken);
        var target = await MemberRules.NameOfAsync(db, command.UserId, cancellationToken);
        db.TeamMembers.RemoveRange(await db.TeamMembers.Where(t => t.UserId == command.UserId).ToListAsync(cancellationToken));
        db.Memberships.Remove(membership);
        audit.Add(db, "member.removed", "user", command.UserId.ToString(), $"{target} ({membership.Role})", actor);
        var now = clock.GetUtcNow();
        foreach (var token in await db.ApiTokens.Where(t => t.CreatedByUserId == command.UserId && t.RevokedAt == null).ToListAsync(cancellationToken))
        {
            token.RevokedAt = now;
            audit.Add(db, "token.revoked", "api_token", token.Id.ToString(), $"{token.Name}: its creator {target} was removed", actor);
        }

        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        changes.UserChanged(command.UserId); // their open circuits lose access on their next event
        await resolver.ResolveAsync(current.UserId!.Value, cancellationToken);
        return command.UserId;
    }
}
