using System.Data;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Members;

public sealed record TransferOwnershipCommand(Guid ToUserId);

/// <summary>An Owner hands ownership to another member: they become Owner, the current Owner becomes Admin.</summary>
public sealed class TransferOwnershipHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit,
    OrganizationAccessResolver resolver, MembershipChanges changes)
{
    public Task<Result<Guid>> HandleAsync(TransferOwnershipCommand command, CancellationToken cancellationToken) =>
        MemberRules.GuardConcurrentAsync(() => ChangeAsync(command, cancellationToken));

    private async Task<Result<Guid>> ChangeAsync(TransferOwnershipCommand command, CancellationToken cancellationToken)
    {
        if (!current.Has(OrgRole.Owner))
        {
            return Errors.Forbidden;
        }

        var me = current.UserId!.Value;
        if (command.ToUserId == me)
        {
            return new Error("invalid", "Choose another member to transfer ownership to.");
        }

        await using var db = dbs.Create();
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var memberships = await db.Memberships.Where(m => m.UserId == me || m.UserId == command.ToUserId).ToListAsync(cancellationToken);
        var mine = memberships.SingleOrDefault(m => m.UserId == me);
        var theirs = memberships.SingleOrDefault(m => m.UserId == command.ToUserId);
        if (theirs is null)
        {
            return MemberRules.NotFound;
        }

        if (mine is not { Role: OrgRole.Owner })
        {
            return Errors.Forbidden;
        }

        theirs.Role = OrgRole.Owner;
        mine.Role = OrgRole.Admin;
        var actor = await MemberRules.NameOfAsync(db, me, cancellationToken);
        var target = await MemberRules.NameOfAsync(db, command.ToUserId, cancellationToken);
        audit.Add(db, "org.ownership.transferred", "user", command.ToUserId.ToString(), $"{actor} → {target}", actor);
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        changes.UserChanged(me); // the former Owner's other circuits drop to Admin on their next event
        changes.UserChanged(command.ToUserId);
        await resolver.ResolveAsync(me, cancellationToken);
        return command.ToUserId;
    }
}
