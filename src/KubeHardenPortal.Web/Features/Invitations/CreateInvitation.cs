using System.ComponentModel.DataAnnotations;
using Hangfire;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Contracts.Jobs;
using KubeHardenPortal.Data.Invitations;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Features.Invitations;

/// <param name="BaseUri">The site's address as the inviter sees it (the page's base URI); Hosting:PublicBaseUrl wins when set.</param>
public sealed record CreateInvitationCommand(string Email, OrgRole Role, int ExpiresInDays = CreateInvitationHandler.DefaultDays,
    Uri? BaseUri = null);

/// <summary>
/// The new invitation; <paramref name="Link"/> carries the token and is shown once (only its hash is stored).
/// <paramref name="EmailQueued"/> says whether the invitation e-mail was handed to the Worker.
/// </summary>
public sealed record CreatedInvitation(Guid Id, string Email, OrgRole Role, DateTimeOffset ExpiresAt, string Link, bool EmailQueued = false);

/// <summary>Owners and Admins invite people by e-mail address with a role; only Owners invite Owners.</summary>
/// <remarks>
/// The e-mail goes through the Worker (IEmailJob.SendProtectedInvitationAsync). Only the token's hash is in the database,
/// so the job needs the link itself; it travels encrypted with the shared Data Protection key ring, bound to this tenant and
/// invitation, because Hangfire's job table is readable by the khp_jobs role and the dashboard, neither of which can
/// read the key ring. The link is also shown once to the inviter, who can pass it on if the e-mail does not arrive.
/// </remarks>
public sealed partial class CreateInvitationHandler(TenantDbContextFactory dbs, CurrentOrganization current, AuditTrail audit, TimeProvider clock,
    IBackgroundJobClient jobs, IDataProtectionProvider protection, IOptions<PortalLinkOptions> links, ILogger<CreateInvitationHandler> logger)
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
        var link = InvitationLink.For(current.Organization!.Id, token);
        var queued = EnqueueEmail(current.Organization.Id, invitation.Id, link, command.BaseUri);
        return new CreatedInvitation(invitation.Id, email, command.Role, invitation.ExpiresAt, link, queued);
    }

    private bool EnqueueEmail(Guid tenantId, Guid invitationId, string relativeLink, Uri? pageBase)
    {
        var baseUri = links.Value.PublicBaseUrl ?? pageBase;
        if (baseUri is null || !baseUri.IsAbsoluteUri)
        {
            LogNotQueued(logger, invitationId, tenantId, "no absolute base address for the link");
            return false;
        }

        var protectedLink = protection.CreateProtector(InvitationLinkProtection.Purpose, InvitationLinkProtection.SubPurposes(tenantId, invitationId))
            .Protect(new Uri(baseUri, relativeLink).AbsoluteUri);
        try
        {
            var jobId = jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
                j => j.SendProtectedInvitationAsync(tenantId, invitationId, protectedLink, CancellationToken.None));
            LogQueued(logger, invitationId, tenantId, jobId);
            return true;
        }
        catch (BackgroundJobClientException ex)
        {
            // Job storage unreachable: the invitation exists and its link is on the inviter's screen; say so, do not fail.
            LogNotQueued(logger, invitationId, tenantId, ex.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(LogLevel.Information, "Invitation {InvitationId} (tenant {TenantId}) e-mail queued as job {JobId}")]
    private static partial void LogQueued(ILogger logger, Guid invitationId, Guid tenantId, string jobId);

    [LoggerMessage(LogLevel.Warning, "Invitation {InvitationId} (tenant {TenantId}) e-mail not queued: {Reason}")]
    private static partial void LogNotQueued(ILogger logger, Guid invitationId, Guid tenantId, string reason);
}

/// <summary>Section "Hosting": the public address used in links that leave the site (e-mails).</summary>
public sealed class PortalLinkOptions
{
    public const string Section = "Hosting";

    /// <summary>E.g. https://portal.example.com/ . Unset: the address the inviter's browser uses.</summary>
    public Uri? PublicBaseUrl { get; set; }
}
