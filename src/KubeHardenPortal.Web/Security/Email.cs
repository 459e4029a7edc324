using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Mail;
using System.Text.Encodings.Web;
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
        services.AddSingleton<IEmailSender<PortalUser>, PortalEmailSender>();
        return services;
    }
}

/// <summary>Sends through SMTP when configured; records links in the development outbox when showing links is allowed.</summary>
internal sealed partial class PortalEmailSender(IOptions<EmailOptions> options, DevelopmentOutbox outbox, ILogger<PortalEmailSender> logger)
    : IEmailSender<PortalUser>
{
    public Task SendConfirmationLinkAsync(PortalUser user, string email, string confirmationLink) =>
        SendAsync(email, "confirm-email", "Confirm your email for KubeHarden Portal",
            $"Welcome to KubeHarden Portal. Confirm your email address by opening this link:", confirmationLink);

    public Task SendPasswordResetLinkAsync(PortalUser user, string email, string resetLink) =>
        SendAsync(email, "reset-password", "Reset your KubeHarden Portal password",
            "Someone asked to reset the password of your KubeHarden Portal account. If it was you, open this link:", resetLink);

    public Task SendPasswordResetCodeAsync(PortalUser user, string email, string resetCode) =>
        SendAsync(email, "reset-code", "Your KubeHarden Portal password reset code", "Your password reset code:", resetCode);

    private async Task SendAsync(string to, string kind, string subject, string intro, string link)
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

            return;
        }

        using var message = new MailMessage(new MailAddress(o.FromAddress, o.FromName), new MailAddress(to))
        {
            Subject = subject,
            IsBodyHtml = true,
            Body = $"<p>{HtmlEncoder.Default.Encode(intro)}</p><p><a href=\"{HtmlEncoder.Default.Encode(link)}\">{HtmlEncoder.Default.Encode(link)}</a></p>",
        };
        using var client = new SmtpClient(o.SmtpHost, o.SmtpPort) { EnableSsl = o.SmtpUseTls };
        if (!string.IsNullOrEmpty(o.SmtpUserName))
        {
            client.Credentials = new NetworkCredential(o.SmtpUserName, o.SmtpPassword);
        }

        // IEmailSender has no token parameter; bound the send instead of letting a dead relay hang the request.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.SendMailAsync(message, timeout.Token);
        Log.Sent(logger, kind);
    }

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Information, "Development email ({Kind}) to {Recipient}: {Link}")]
        public static partial void DevelopmentLink(ILogger logger, string kind, string recipient, string link);

        [LoggerMessage(LogLevel.Warning, "Email ({Kind}) not sent: no SMTP host is configured (Email:SmtpHost)")]
        public static partial void NotSent(ILogger logger, string kind);

        [LoggerMessage(LogLevel.Information, "Email ({Kind}) sent")]
        public static partial void Sent(ILogger logger, string kind);
    }
}
