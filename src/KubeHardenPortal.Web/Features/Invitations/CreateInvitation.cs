using System.ComponentModel.DataAnnotations;
using KubeHardenPortal.Data.Invitations;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Features.Invitations;

public sealed record CreateInvitationCommand(string Email, OrgRole Role, int ExpiresInDays = CreateInvitationHandler.DefaultDays);

/// <summary>The new invitation; <paramref name="Link"/> carries the token and is shown once (only its hash is stored).</summary>
public sealed record CreatedInvitation(Guid Id, string Email, OrgRole Role, DateTimeOffset ExpiresAt, string Link);

/// <summary>Owners and Admins invite people by e-mail address with a role; only Owners invite Owners.</summary>
/// <remarks>
/// TODO(issue 3): enqueue IEmailJob.SendInvitationAsync(tenantId, invitationId, absoluteLink) once the Worker's invitation
/// template ships; until then the inviter copies the link, which is shown once.
/// </remarks>
public sealed class CreateInvitationHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit, TimeProvider clock)
{
    public const int DefaultDays = 7;
    public const int MaxDays = 30;

    public async Task<Result<CreatedInvitation>> HandleAsync(CreateInvitationCommand command, CancellationToken cancellationToken)
    {
        if (!MemberRules.CanManage(current) || !Enum.IsDefined(command.Role)
            || (command.Role == OrgRole.Owner && !current.Has(OrgRole.Owner)))
        {
            return Errors.Forbidden;
        }

        var email = command.Email?.Trim() ?? "";
        if (email.Length is 0 or > 256 || !new EmailAddressAttribute().IsValid(email))
        {
            return new Error("invalid", "Enter a valid e-mail address.");
        }

        if (command.ExpiresInDays is < 1 or > MaxDays)
        {
            return new Error("invalid", $"Choose an expiry between 1 and {MaxDays} days.");
        }

        await using var db = dbs.Create();
        var normalized = email.ToUpperInvariant();
        var alreadyMember = await (from m in db.Memberships
                                   join u in db.Users on m.UserId equals u.Id
                                   where u.NormalizedEmail == normalized
                                   select m.Id).AnyAsync(cancellationToken);
        if (alreadyMember)
        {
            return new Error("conflict", "That person is already a member of this organization.");
        }

        var now = clock.GetUtcNow();
        var token = InvitationLink.NewToken();
        var invitation = new Invitation
        {
            Id = Guid.CreateVersion7(now),
            Email = email,
            Role = command.Role,
            TokenHash = InvitationLink.Hash(token),
            InvitedByUserId = current.UserId!.Value,
            CreatedAt = now,
            ExpiresAt = now.AddDays(command.ExpiresInDays),
        };
        db.Invitations.Add(invitation);
        audit.Add(db, "invitation.created", "invitation", invitation.Id.ToString(),
            $"{email} as {command.Role}, expires {AuditText.When(invitation.ExpiresAt)}",
            await MemberRules.NameOfAsync(db, current.UserId!.Value, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedInvitation(invitation.Id, email, command.Role, invitation.ExpiresAt,
            InvitationLink.For(current.Organization!.Id, token));
    }
}
