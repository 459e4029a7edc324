using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Web.Features.Invitations;

public sealed record AcceptInvitationCommand(Guid OrganizationId, string Token);

public sealed record AcceptedInvitation(Guid OrganizationId, OrgRole Role);

/// <summary>
/// The signed-in user, whose confirmed e-mail address matches the invitation, joins the organization with its role.
/// Single use. The invitation lives in a tenant the user cannot see yet, so the context is bound to the link's organization.
/// </summary>
public sealed class AcceptInvitationHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit, TimeProvider clock,
    OrganizationAccessResolver resolver)
{
    public static readonly Error Invalid = new("not_found", "This invitation link is not valid. Ask for a new invitation.");

    public async Task<Result<AcceptedInvitation>> HandleAsync(AcceptInvitationCommand command, CancellationToken cancellationToken)
    {
        if (current.UserId is not { } userId)
        {
            return new Error("forbidden", "Sign in first.");
        }

        if (command.OrganizationId == Guid.Empty || string.IsNullOrWhiteSpace(command.Token) || command.Token.Length > 200)
        {
            return Invalid;
        }

        await using var db = dbs.CreateFor(command.OrganizationId);
        db.CurrentUserId = userId;
        var hash = InvitationLink.Hash(command.Token);
        var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
        if (invitation is null)
        {
            return Invalid;
        }

        var now = clock.GetUtcNow();
        if (invitation.RevokedAt is not null)
        {
            return new Error("conflict", "This invitation was revoked. Ask for a new invitation.");
        }

        if (invitation.AcceptedAt is not null)
        {
            return new Error("conflict", "This invitation has already been used.");
        }

        if (invitation.ExpiresAt <= now)
        {
            return new Error("conflict", "This invitation has expired. Ask for a new invitation.");
        }

        var user = await db.Users.Where(u => u.Id == userId).Select(u => new { u.Email, u.EmailConfirmed }).SingleAsync(cancellationToken);
        if (!user.EmailConfirmed || !string.Equals(user.Email, invitation.Email, StringComparison.OrdinalIgnoreCase))
        {
            return new Error("forbidden", $"This invitation is for another e-mail address. Sign in as the invited person (with a confirmed address).");
        }

        if (await db.Memberships.AnyAsync(m => m.UserId == userId, cancellationToken))
        {
            return new Error("conflict", "You are already a member of this organization.");
        }

        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var claimed = await db.Invitations
            .Where(i => i.Id == invitation.Id && i.AcceptedAt == null && i.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.AcceptedAt, now).SetProperty(i => i.AcceptedByUserId, userId), cancellationToken);
        if (claimed != 1)
        {
            return new Error("conflict", "This invitation has already been used.");
        }

        db.Memberships.Add(new Membership { Id = Guid.CreateVersion7(now), UserId = userId, Role = invitation.Role, JoinedAt = now });
        var name = await MemberRules.NameOfAsync(db, userId, cancellationToken);
        audit.Add(db, "invitation.accepted", "invitation", invitation.Id.ToString(), $"{name} joined as {invitation.Role}", name, userId);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return new Error("conflict", "You are already a member of this organization.");
        }

        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.SelectedOrganizationId, command.OrganizationId), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await resolver.ResolveAsync(userId, cancellationToken);
        return new AcceptedInvitation(command.OrganizationId, invitation.Role);
    }
}
