using System.Text;
using Hangfire;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Contracts.Jobs;
using KubeHardenPortal.Testing;
using KubeHardenPortal.Worker.Features.Email;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace KubeHardenPortal.Worker.Tests.Features.Email;

/// <summary>The MailKit sender against a real SMTP conversation on a loopback socket (no TLS: Security=None).</summary>
public sealed class SmtpEmailSenderTests
{
    [Fact]
    public async Task Send_DeliversRecipientSubjectAndLink_ToTheSmtpServer()
    {
        await using var smtp = new FakeSmtpServer();
        var sender = Sender(smtp.Port, new ListLogger<SmtpEmailSender>());
        var link = "https://portal.example/Account/ConfirmEmail?code=" + Guid.NewGuid().ToString("N");

        await sender.SendAsync(new EmailMessage("ada@example.org", "Confirm your e-mail address",
            $"Hello Ada,\n\nopen this link:\n\n{link}\n", link), CancellationToken.None);

        var mail = Assert.Single(smtp.Messages);
        Assert.Equal("no-reply@portal.example", mail.MailFrom);
        Assert.Equal(["ada@example.org"], mail.Recipients);
        var parsed = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(mail.Data)));
        Assert.Equal("Confirm your e-mail address", parsed.Subject);
        Assert.Equal("ada@example.org", Assert.Single(parsed.To.Mailboxes).Address);
        Assert.Contains(link, parsed.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ToAnUnreachableServer_ThrowsForARetry_AndLogsTheRelayButNotTheBodyOrLink()
    {
        var log = new ListLogger<SmtpEmailSender>();
        var port = FakeSmtpServer.UnusedPort();
        var sender = Sender(port, log);
        var token = Guid.NewGuid().ToString("N");
        var link = "https://portal.example/Account/ResetPassword?code=" + token;

        // Thrown, so Hangfire's automatic retry tries again later instead of recording a success.
        await Assert.ThrowsAnyAsync<Exception>(() => sender.SendAsync(
            new EmailMessage("ada@example.org", "Reset your password", $"Secret body {link}", link), CancellationToken.None));

        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.All(log.Entries, e =>
        {
            Assert.DoesNotContain(token, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Secret body", e.Message, StringComparison.Ordinal);
        });
    }

    internal static SmtpEmailSender Sender(int port, ILogger<SmtpEmailSender> logger) =>
        new(Options.Create(new EmailOptions
        {
            Mode = EmailMode.Smtp,
            From = "no-reply@portal.example",
            Smtp = new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, Timeout = TimeSpan.FromSeconds(5) },
        }), logger);
}

/// <summary>The e-mail job in the running worker host, with the real MailKit sender behind it.</summary>
[Collection(WorkerCollection.Name)]
public sealed class SmtpEmailJobTests(WorkerFixture f)
{
    private IBackgroundJobClient Jobs => f.Host.Services.GetRequiredService<IBackgroundJobClient>();

    [Fact]
    public async Task AccountEmailJob_IsDeliveredOverSmtp_AndAnUnreachableServerFailsOnlyThatAttempt()
    {
        await using var smtp = new FakeSmtpServer();
        var log = new ListLogger<SmtpEmailSender>();
        try
        {
            // Relay down: the attempt fails and is scheduled for a retry; the host keeps running.
            f.Emails.Relay = SmtpEmailSenderTests.Sender(FakeSmtpServer.UnusedPort(), log);
            var token = Guid.NewGuid().ToString("N");
            var down = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
                j => j.SendAccountEmailAsync(f.T.UserA, AccountEmailKind.ResetPassword, "https://portal.example/reset?code=" + token, CancellationToken.None));
            Assert.Equal("Scheduled", await StateAsync(down, "Scheduled"));
            Jobs.Delete(down); // no retry later in the run
            Assert.Contains(log.Entries, e => e.Level == LogLevel.Error);
            Assert.All(log.Entries, e => Assert.DoesNotContain(token, e.Message, StringComparison.Ordinal));

            // Relay up: the same host delivers the next job.
            f.Emails.Relay = SmtpEmailSenderTests.Sender(smtp.Port, log);
            var link = "https://portal.example/confirm?code=" + Guid.NewGuid().ToString("N");
            var up = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
                j => j.SendAccountEmailAsync(f.T.UserA, AccountEmailKind.ConfirmEmail, link, CancellationToken.None));
            Assert.Equal("Succeeded", await f.WaitForJobAsync(up));
            var mail = Assert.Single(smtp.Messages);
            var parsed = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(mail.Data)));
            Assert.StartsWith("a-", Assert.Single(mail.Recipients), StringComparison.Ordinal);
            Assert.StartsWith("Confirm your e-mail address", parsed.Subject, StringComparison.Ordinal);
            Assert.Contains(link, parsed.TextBody, StringComparison.Ordinal);
        }
        finally
        {
            f.Emails.Relay = null;
        }
    }

    private async Task<string?> StateAsync(string jobId, string wanted)
    {
        var api = f.Host.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        string? state = null;
        for (var i = 0; i < 150 && state != wanted; i++)
        {
            await Task.Delay(100);
            state = api.JobDetails(jobId)?.History.FirstOrDefault()?.StateName;
        }

        return state;
    }
}
