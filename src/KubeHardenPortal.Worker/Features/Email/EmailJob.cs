using System.Security.Cryptography;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Data;
using KubeHardenPortal.Worker.Tenancy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Worker.Features.Email;

/// <summary>
/// Implements the <see cref="IEmailJob"/> wire contract. Thin: read what is needed by id, check it is still worth
/// sending (jobs are retried and must be reentrant), compose, send, log ids — never addresses or links.
/// </summary>
internal sealed partial class EmailJob(
    IDbContextFactory<PortalDbContext> contexts,
    IServiceScopeFactory scopes,
    IEmailSender sender,
    IOptions<EmailOptions> options,
    TimeProvider time,
    IDataProtectionProvider protection,
    ILogger<EmailJob> logger) : IEmailJob
{
    public Task SendAccountEmailAsync(Guid userId, AccountEmailKind kind, string link, CancellationToken cancellationToken) =>
        SendAccountCoreAsync(userId, kind, link, cancellationToken);

    public Task SendProtectedAccountEmailAsync(Guid userId, AccountEmailKind kind, string protectedLink, CancellationToken cancellationToken)
    {
        // Another user's or kind's payload, or a key that is gone: retrying cannot help (the user can ask again).
        if (Unprotect(AccountLinkProtection.Purpose, AccountLinkProtection.SubPurposes(userId, kind), protectedLink) is not { } link)
        {
            LogSkipped(logger, "account", userId, "the protected link does not decrypt for this user and kind");
            return Task.CompletedTask;
        }

        return SendAccountCoreAsync(userId, kind, link, cancellationToken);
    }

    private async Task SendAccountCoreAsync(Guid userId, AccountEmailKind kind, string link, CancellationToken cancellationToken)
    {
        // A reset code is shown as text; everything else is a link and must be an absolute http(s) URL.
        var url = kind == AccountEmailKind.ResetCode ? RequireCode(link) : RequireLink(link);
        // Users are global (no tenant): a context without a tenant reads the users table and nothing tenant-owned.
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Email, u.DisplayName }).SingleOrDefaultAsync(cancellationToken);
        if (user?.Email is null)
        {
            LogSkipped(logger, "account", userId, "user not found or without e-mail");
            return;
        }

        var product = options.Value.ProductName;
        var message = kind switch
        {
            AccountEmailKind.ConfirmEmail => new EmailMessage(user.Email, $"Confirm your e-mail address for {product}",
                $"Hello {user.DisplayName},\n\nconfirm your e-mail address by opening this link:\n\n{url}\n\n" +
                "If you did not create an account, ignore this message.\n", url),
            AccountEmailKind.ResetPassword => new EmailMessage(user.Email, $"Reset your {product} password",
                $"Hello {user.DisplayName},\n\nreset your password by opening this link:\n\n{url}\n\n" +
                "If you did not ask for this, ignore this message: your password stays unchanged.\n", url),
            AccountEmailKind.AccountExists => new EmailMessage(user.Email, $"Someone tried to sign up with your {product} address",
                $"Hello {user.DisplayName},\n\nsomeone (maybe you) tried to create a {product} account with this e-mail address, " +
                "which already has an account. Nothing was changed. To sign in, or to reset a forgotten password from the " +
                $"sign-in page, open this link:\n\n{url}\n\nIf it was not you, you can ignore this message.\n", url),
            AccountEmailKind.ResetCode => new EmailMessage(user.Email, $"Your {product} password reset code",
                $"Hello {user.DisplayName},\n\nyour password reset code:\n\n{url}\n\n" +
                "If you did not ask for this, ignore this message: your password stays unchanged.\n", url),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown account e-mail"),
        };
        await sender.SendAsync(message, cancellationToken);
        var kindName = KindName(kind);
        LogSent(logger, kindName, userId, Guid.Empty);
    }

    public async Task SendEmailChangeConfirmationAsync(Guid userId, string newEmail, string link, CancellationToken cancellationToken)
    {
        var url = RequireLink(link);
        ArgumentException.ThrowIfNullOrWhiteSpace(newEmail);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var name = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken);
        if (name is null)
        {
            LogSkipped(logger, "email-change", userId, "user not found");
            return;
        }

        await sender.SendAsync(new EmailMessage(newEmail, $"Confirm your new e-mail address for {options.Value.ProductName}",
            $"Hello {name},\n\nconfirm this address as your new sign-in e-mail by opening this link:\n\n{url}\n", url), cancellationToken);
        LogSent(logger, "EmailChange", userId, Guid.Empty);
    }

    public Task SendInvitationAsync(Guid tenantId, Guid invitationId, string link, CancellationToken cancellationToken) =>
        SendInvitationCoreAsync(tenantId, invitationId, RequireLink(link), cancellationToken);

    public Task SendProtectedInvitationAsync(Guid tenantId, Guid invitationId, string protectedLink, CancellationToken cancellationToken)
    {
        // Another invitation's or tenant's payload, or a key that is gone: retrying cannot help, and the inviter still
        // has the link. Log ids only.
        if (Unprotect(InvitationLinkProtection.Purpose, InvitationLinkProtection.SubPurposes(tenantId, invitationId), protectedLink) is not { } link)
        {
            LogSkippedInvitation(logger, tenantId, invitationId, "the protected link does not decrypt for this invitation");
            return Task.CompletedTask;
        }

        return SendInvitationCoreAsync(tenantId, invitationId, RequireLink(link), cancellationToken);
    }

    /// <summary>The link the web encrypted for exactly these purposes, or null when it does not decrypt for them.</summary>
    private string? Unprotect(string purpose, string[] subPurposes, string protectedLink)
    {
        try
        {
            return protection.CreateProtector(purpose, subPurposes).Unprotect(protectedLink);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private async Task SendInvitationCoreAsync(Guid tenantId, Guid invitationId, string url, CancellationToken cancellationToken)
    {
        await using var tenant = JobTenantScope.Begin(scopes, tenantId);
        await using var db = tenant.CreateDbContext();
        var invitation = await db.Invitations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == invitationId, cancellationToken);
        var now = time.GetUtcNow();
        var reason = invitation switch
        {
            null => "not found in this tenant",
            { AcceptedAt: not null } => "already accepted",
            { RevokedAt: not null } => "revoked",
            _ when invitation.ExpiresAt <= now => "expired",
            _ => null,
        };
        if (reason is not null)
        {
            LogSkippedInvitation(logger, tenantId, invitationId, reason);
            return;
        }

        var organization = await db.Organizations.AsNoTracking().Where(o => o.Id == tenantId).Select(o => o.Name).SingleAsync(cancellationToken);
        var product = options.Value.ProductName;
        await sender.SendAsync(new EmailMessage(invitation!.Email, $"You are invited to {organization} on {product}",
            $"Hello,\n\nyou are invited to join {organization} on {product} as {invitation.Role}.\n" +
            $"Accept the invitation (valid until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC) by opening this link:\n\n{url}\n", url),
            cancellationToken);
        LogSent(logger, "Invitation", invitationId, tenantId);
    }

    // A link is rendered into the e-mail: only absolute http(s) URLs, so a bug cannot mail "javascript:" or a relative path.
    private static string RequireLink(string link)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("the link must be an absolute http(s) URL", nameof(link));
        }

        return uri.AbsoluteUri;
    }

    private static string KindName(AccountEmailKind kind) => kind switch
    {
        AccountEmailKind.ConfirmEmail => "ConfirmEmail",
        AccountEmailKind.ResetPassword => "ResetPassword",
        AccountEmailKind.AccountExists => "AccountExists",
        AccountEmailKind.ResetCode => "ResetCode",
        _ => "Account",
    };

    // A code goes into a plain-text body: one short token without whitespace, so a bug cannot mail arbitrary text.
    private static string RequireCode(string code)
    {
        if (string.IsNullOrEmpty(code) || code.Length > 512 || code.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException("the reset code must be one short token", nameof(code));
        }

        return code;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Sent {Kind} e-mail for {Id} (tenant {TenantId})")]
    private static partial void LogSent(ILogger logger, string kind, Guid id, Guid tenantId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Skipped {Kind} e-mail for user {UserId}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string kind, Guid userId, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Skipped invitation {InvitationId} of tenant {TenantId}: {Reason}")]
    private static partial void LogSkippedInvitation(ILogger logger, Guid tenantId, Guid invitationId, string reason);
}
