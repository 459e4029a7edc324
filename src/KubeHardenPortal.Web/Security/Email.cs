using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Mail;
using System.Text.Encodings.Web;
using System.Threading.Channels;
using KubeHardenPortal.Data.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Security;

/// <summary>Outgoing email. With no SMTP host the portal sends nothing; in Development links are shown on the page and logged.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    [Required, EmailAddress]
    public string FromAddress { get; init; } = "no-reply@kubeharden.local";

    public string FromName { get; init; } = "KubeHarden Portal";

    public string? SmtpHost { get; init; }

    [Range(1, 65535)]
    public int SmtpPort { get; init; } = 587;

    public bool SmtpUseTls { get; init; } = true;

    public string? SmtpUserName { get; init; }

    /// <summary>From the environment (Email__SmtpPassword), never from appsettings.</summary>
    public string? SmtpPassword { get; init; }

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
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.PostConfigure<EmailOptions>(o => o.ShowLinksOnPage ??= isDevelopment);
        services.AddSingleton<DevelopmentOutbox>();
        services.AddSingleton<SmtpOutbox>();
        services.AddHostedService<SmtpDispatcher>();
        services.AddSingleton<PortalEmailSender>();
        services.AddSingleton<IEmailSender<PortalUser>>(sp => sp.GetRequiredService<PortalEmailSender>());
        return services;
    }
}

/// <summary>
/// Account e-mails: recorded in the development outbox when showing links is allowed, and handed to
/// <see cref="SmtpDispatcher"/> when SMTP is configured. The request never waits for the mail server, so how long a
/// sign-up, password reset or resend takes does not tell whether a message was sent (account enumeration by timing).
/// </summary>
internal sealed partial class PortalEmailSender(IOptions<EmailOptions> options, DevelopmentOutbox outbox, SmtpOutbox smtp,
    ILogger<PortalEmailSender> logger) : IEmailSender<PortalUser>
{
    public const string AccountExistsKind = "account-exists";

    public Task SendConfirmationLinkAsync(PortalUser user, string email, string confirmationLink) =>
        SendAsync(email, "confirm-email", "Confirm your email for KubeHarden Portal",
            $"Welcome to KubeHarden Portal. Confirm your email address by opening this link:", confirmationLink);

    public Task SendPasswordResetLinkAsync(PortalUser user, string email, string resetLink) =>
        SendAsync(email, "reset-password", "Reset your KubeHarden Portal password",
            "Someone asked to reset the password of your KubeHarden Portal account. If it was you, open this link:", resetLink);

    public Task SendPasswordResetCodeAsync(PortalUser user, string email, string resetCode) =>
        SendAsync(email, "reset-code", "Your KubeHarden Portal password reset code", "Your password reset code:", resetCode);

    /// <summary>Sign-up with an address that already has an account: tell its owner instead of saying so on the page.</summary>
    public Task SendAccountExistsNoticeAsync(string email, string signInLink) =>
        SendAsync(email, AccountExistsKind, "Someone tried to sign up with your KubeHarden Portal address",
            "Someone (maybe you) tried to create a KubeHarden Portal account with this e-mail address, which already has an account. " +
            "Nothing was changed. To sign in, or to reset a forgotten password from the sign-in page, open this link. " +
            "If it was not you, you can ignore this message:", signInLink);

    private Task SendAsync(string to, string kind, string subject, string intro, string link)
    {
        var o = options.Value;
        if (o.ShowLinksOnPage == true)
        {
            outbox.Put(new OutboxMessage(to, kind, link));
            Log.DevelopmentLink(logger, kind, to, link);
        }

        if (string.IsNullOrWhiteSpace(o.SmtpHost))
        {
            if (o.ShowLinksOnPage != true)
            {
                Log.NotSent(logger, kind);
            }

            return Task.CompletedTask;
        }

        if (!smtp.TryQueue(new SmtpMessage(to, kind, subject, intro, link)))
        {
            Log.Dropped(logger, kind);
        }

        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Information, "Development email ({Kind}) to {Recipient}: {Link}")]
        public static partial void DevelopmentLink(ILogger logger, string kind, string recipient, string link);

        [LoggerMessage(LogLevel.Warning, "Email ({Kind}) not sent: no SMTP host is configured (Email:SmtpHost)")]
        public static partial void NotSent(ILogger logger, string kind);

        [LoggerMessage(LogLevel.Error, "Email ({Kind}) dropped: the SMTP queue is full")]
        public static partial void Dropped(ILogger logger, string kind);
    }
}

internal sealed record SmtpMessage(string To, string Kind, string Subject, string Intro, string Link);

/// <summary>A bounded in-memory queue between the pages and <see cref="SmtpDispatcher"/>.</summary>
internal sealed class SmtpOutbox
{
    private readonly Channel<SmtpMessage> _channel =
        Channel.CreateBounded<SmtpMessage>(new BoundedChannelOptions(1000)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

    public bool TryQueue(SmtpMessage message) => _channel.Writer.TryWrite(message);

    public IAsyncEnumerable<SmtpMessage> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);
}

/// <summary>Sends queued account e-mails through SMTP, one at a time, off the request path. Logs kinds, never links.</summary>
internal sealed partial class SmtpDispatcher(SmtpOutbox queue, IOptions<EmailOptions> options, ILogger<SmtpDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var m in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendAsync(m, stoppingToken);
                LogSent(logger, m.Kind);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Any failure (relay down, an address MailAddress rejects) drops this message only: an exception escaping
                // ExecuteAsync would stop the whole web host. Log the relay and the cause, never the body or link.
                var o = options.Value;
                LogFailed(logger, m.Kind, o.SmtpHost, o.SmtpPort, ex.GetType().Name, ex.GetBaseException().Message);
            }
        }
    }

    private async Task SendAsync(SmtpMessage m, CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var message = new MailMessage(new MailAddress(o.FromAddress, o.FromName), new MailAddress(m.To))
        {
            Subject = m.Subject,
            IsBodyHtml = true,
            Body = $"<p>{HtmlEncoder.Default.Encode(m.Intro)}</p><p><a href=\"{HtmlEncoder.Default.Encode(m.Link)}\">{HtmlEncoder.Default.Encode(m.Link)}</a></p>",
        };
        using var client = new SmtpClient(o.SmtpHost, o.SmtpPort) { EnableSsl = o.SmtpUseTls };
        if (!string.IsNullOrEmpty(o.SmtpUserName))
        {
            client.Credentials = new NetworkCredential(o.SmtpUserName, o.SmtpPassword);
        }

        // Bound each send, so a dead relay cannot stall the queue forever.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await client.SendMailAsync(message, timeout.Token);
    }

    [LoggerMessage(LogLevel.Information, "Email ({Kind}) sent")]
    private static partial void LogSent(ILogger logger, string kind);

    [LoggerMessage(LogLevel.Error, "Email ({Kind}) not sent through SMTP server {Host}:{Port}: {ErrorType}: {Error}")]
    private static partial void LogFailed(ILogger logger, string kind, string? host, int port, string errorType, string error);
}
