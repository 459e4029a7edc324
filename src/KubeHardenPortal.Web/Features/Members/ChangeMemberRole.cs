using System.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Members;

public sealed record ChangeMemberRoleCommand(Guid UserId, OrgRole Role);

/// <summary>Changes a member's organization role. Admins cannot grant or take away Owner; the last Owner stays.</summary>
public sealed class ChangeMemberRoleHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit,
    OrganizationAccessResolver resolver, MembershipChanges changes)
{
    public Task<Result<OrgRole>> HandleAsync(ChangeMemberRoleCommand command, CancellationToken cancellationToken) =>
        MemberRules.GuardConcurrentAsync(() => ChangeAsync(command, cancellationToken));

    private async Task<Result<OrgRole>> ChangeAsync(ChangeMemberRoleCommand command, CancellationToken cancellationToken)
    {
        if (!MemberRules.CanManage(current) || !Enum.IsDefined(command.Role))
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

        var from = membership.Role;
        if (!MemberRules.MayTouch(current, from, command.Role))
        {
            return Errors.Forbidden;
        }

        if (from == command.Role)
        {
            return from;
        }

        if (from == OrgRole.Owner && await MemberRules.OwnerCountAsync(db, cancellationToken) <= 1)
        {
            return MemberRules.LastOwner;
        }

        membership.Role = command.Role;
        var actor = await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken);
        var target = await MemberRules.NameOfAsync(db, command.UserId, cancellationToken);
        audit.Add(db, "member.role.changed", "user", command.UserId.ToString(), $"{target}: {from} → {command.Role}", actor);
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        changes.UserChanged(command.UserId); // their open circuits take the new role on their next event
        await resolver.ResolveAsync(current.UserId!.Value, cancellationToken);
        return command.Role;
    }
}
