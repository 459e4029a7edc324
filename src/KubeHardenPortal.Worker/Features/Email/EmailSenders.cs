using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace KubeHardenPortal.Worker.Features.Email;

/// <summary>One outgoing message. <see cref="Link"/> is the one-time URL inside the body, kept apart so it is never logged by accident.</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody, string Link);

public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>SMTP through MailKit (System.Net.Mail.SmtpClient is not recommended for new code).</summary>
internal sealed partial class SmtpEmailSender(IOptions<EmailOptions> options, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(o.FromName, o.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Body = new TextPart("plain") { Text = message.TextBody };

        var host = o.Smtp.Host ?? throw new InvalidOperationException("Email:Smtp:Host is not configured");
        try
        {
            using var client = new SmtpClient { Timeout = (int)o.Smtp.Timeout.TotalMilliseconds };
            var security = o.Smtp.Security switch
            {
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.None => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            };
            await client.ConnectAsync(host, o.Smtp.Port, security, cancellationToken);
            if (!string.IsNullOrEmpty(o.Smtp.Username))
            {
                await client.AuthenticateAsync(o.Smtp.Username, o.Smtp.Password ?? "", cancellationToken);
            }

            await client.SendAsync(mime, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException
                                       or MailKit.CommandException or AuthenticationException or SslHandshakeException or TimeoutException)
        {
            // Name the relay and the failure, never the body or link (a one-time credential); rethrow so Hangfire retries.
            LogFailed(logger, host, o.Smtp.Port, ex.GetType().Name, ex.Message);
            throw;
        }
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Email not sent: SMTP server {Host}:{Port} failed with {ErrorType}: {Error}")]
    private static partial void LogFailed(ILogger logger, string host, int port, string errorType, string error);
}

/// <summary>
/// No SMTP configured: log the message. The link (a one-time credential) and the address appear only in
/// Development, where the developer needs to click it; elsewhere the log says what was dropped and why.
/// </summary>
internal sealed partial class LoggingEmailSender(IHostEnvironment environment, ILogger<LoggingEmailSender> logger) : IEmailSender
{
    public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        if (environment.IsDevelopment())
        {
            LogDevelopment(logger, message.To, message.Subject, message.Link);
        }
        else
        {
            LogDropped(logger, message.Subject);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Email (Development, not sent) to {To}: {Subject} — {Link}")]
    private static partial void LogDevelopment(ILogger logger, string to, string subject, string link);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning,
        Message = "Email not sent: Email:Mode is Log outside Development (configure Email:Smtp). Subject: {Subject}")]
    private static partial void LogDropped(ILogger logger, string subject);
}
