using System.Collections.Concurrent;
using Hangfire;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Contracts.Jobs;
using KubeHardenPortal.Data.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Account e-mail on the Web side. The Web only enqueues; the Worker sends (section "Email" of the Worker: Mode, Smtp).
/// In Development links are also shown on the page and logged.
/// </summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    /// <summary>Show confirmation/reset links on the page and in the log. Development only (defaults to it).</summary>
    public bool? ShowLinksOnPage { get; set; }
}

/// <summary>The last message per recipient, kept in memory only when links may be shown (Development, tests).</summary>
public sealed class DevelopmentOutbox
{
    private readonly ConcurrentDictionary<string, OutboxMessage> _last = new(StringComparer.OrdinalIgnoreCase);

    public void Put(OutboxMessage message) => _last[message.To] = message;

    public OutboxMessage? Last(string email) => _last.TryGetValue(email, out var m) ? m : null;
}

public sealed record OutboxMessage(string To, string Kind, string Link);

internal static class EmailSetup
{
    public static IServiceCollection AddPortalEmail(this IServiceCollection services, bool isDevelopment)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section);
        services.PostConfigure<EmailOptions>(o => o.ShowLinksOnPage ??= isDevelopment);
        services.AddSingleton<DevelopmentOutbox>();
        services.AddSingleton<PortalEmailSender>();
        services.AddSingleton<IEmailSender<PortalUser>>(sp => sp.GetRequiredService<PortalEmailSender>());
        return services;
    }
}

/// <summary>
/// Account e-mails go durably through Hangfire to the Worker (<see cref="IEmailJob.SendProtectedAccountEmailAsync"/>),
/// like invitations: the job is in PostgreSQL before the request returns, so a web process that dies loses nothing, and
/// the Worker retries while the relay is down. The link carries a single-use token and job arguments sit in the
/// database, so it is encrypted with the shared key ring (<see cref="AccountLinkProtection"/>). The request never
/// waits for the mail server (account enumeration by timing). Links are recorded in the development outbox and logged
/// only when showing links is allowed.
/// </summary>
internal sealed partial class PortalEmailSender(IOptions<EmailOptions> options, DevelopmentOutbox outbox, IBackgroundJobClient jobs,
    IDataProtectionProvider protection, IServiceScopeFactory scopes, ILogger<PortalEmailSender> logger) : IEmailSender<PortalUser>
{
    public const string AccountExistsKind = "account-exists";

    public Task SendConfirmationLinkAsync(PortalUser user, string email, string confirmationLink)
    {
        Send(user.Id, AccountEmailKind.ConfirmEmail, email, "confirm-email", confirmationLink);
        return Task.CompletedTask;
    }

    public Task SendPasswordResetLinkAsync(PortalUser user, string email, string resetLink)
    {
        Send(user.Id, AccountEmailKind.ResetPassword, email, "reset-password", resetLink);
        return Task.CompletedTask;
    }

    public Task SendPasswordResetCodeAsync(PortalUser user, string email, string resetCode)
    {
        Send(user.Id, AccountEmailKind.ResetCode, email, "reset-code", resetCode);
        return Task.CompletedTask;
    }

    /// <summary>Sign-up with an address that already has an account: tell its owner instead of saying so on the page.</summary>
    public async Task SendAccountExistsNoticeAsync(string email, string signInLink)
    {
        // Jobs name users by id (the Worker reads the address when it runs), and this caller has only the address.
        await using var scope = scopes.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(email);
        if (user is null)
        {
            Log.NotQueued(logger, AccountExistsKind, "no account has this address any more");
            return;
        }

        Send(user.Id, AccountEmailKind.AccountExists, email, AccountExistsKind, signInLink);
    }

    private void Send(Guid userId, AccountEmailKind kind, string to, string kindName, string link)
    {
        if (options.Value.ShowLinksOnPage == true)
        {
            outbox.Put(new OutboxMessage(to, kindName, link));
            Log.DevelopmentLink(logger, kindName, to, link);
        }

        var protectedLink = protection.CreateProtector(AccountLinkProtection.Purpose, AccountLinkProtection.SubPurposes(userId, kind)).Protect(link);
        try
        {
            var jobId = jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
                j => j.SendProtectedAccountEmailAsync(userId, kind, protectedLink, CancellationToken.None));
            Log.Queued(logger, kindName, userId, jobId);
        }
        catch (BackgroundJobClientException ex)
        {
            // Job storage unreachable: the page answers as usual (no enumeration); the user can ask again. Ids only.
            Log.NotQueued(logger, kindName, ex.GetType().Name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Information, "Development email ({Kind}) to {Recipient}: {Link}")]
        public static partial void DevelopmentLink(ILogger logger, string kind, string recipient, string link);

        [LoggerMessage(LogLevel.Information, "Email ({Kind}) for user {UserId} queued as job {JobId}")]
        public static partial void Queued(ILogger logger, string kind, Guid userId, string jobId);

        [LoggerMessage(LogLevel.Error, "Email ({Kind}) not queued: {Reason}")]
        public static partial void NotQueued(ILogger logger, string kind, string reason);
    }
}
