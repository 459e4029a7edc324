using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using KubeHardenPortal.Testing;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace KubeHardenPortal.Web.Tests.Account;

/// <summary>The Web's account e-mails (System.Net.Mail through <see cref="SmtpDispatcher"/>) over a real SMTP socket.</summary>
public sealed class SmtpDispatcherTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task QueuedAccountEmail_IsDeliveredWithRecipientSubjectAndLink()
    {
        await using var smtp = new FakeSmtpServer();
        var options = new SwitchableOptions(Settings(smtp.Port));
        var queue = new SmtpOutbox();
        using var dispatcher = new SmtpDispatcher(queue, options, new ListLogger<SmtpDispatcher>());
        await dispatcher.StartAsync(CancellationToken.None);

        var link = "https://portal.example/Account/ConfirmEmail?userId=1&code=" + Guid.NewGuid().ToString("N");
        Assert.True(queue.TryQueue(new SmtpMessage("ada@example.org", "confirm-email", "Confirm your email", "Open this link:", link)));

        var mail = await smtp.WaitForMessageAsync(m => m.Recipients.Contains("ada@example.org"), Wait);
        var parsed = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(mail.Data)));
        Assert.Equal("Confirm your email", parsed.Subject);
        Assert.Equal("no-reply@portal.example", Assert.Single(parsed.From.Mailboxes).Address);
        Assert.Contains($"href=\"{link.Replace("&", "&amp;", StringComparison.Ordinal)}\"", parsed.HtmlBody, StringComparison.Ordinal);
        await dispatcher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task UnreachableServerOrBadAddress_LogsAClearError_WithoutBodyOrToken_AndTheDispatcherKeepsSending()
    {
        await using var smtp = new FakeSmtpServer();
        var unreachable = FakeSmtpServer.UnusedPort();
        var options = new SwitchableOptions(Settings(unreachable));
        var log = new ListLogger<SmtpDispatcher>();
        var queue = new SmtpOutbox();
        using var dispatcher = new SmtpDispatcher(queue, options, log);
        await dispatcher.StartAsync(CancellationToken.None);

        var token = Guid.NewGuid().ToString("N");
        queue.TryQueue(new SmtpMessage("ada@example.org", "reset-password", "Reset", "Secret intro", "https://portal.example/r?code=" + token));
        await WaitUntilAsync(() => log.Entries.Any(e => e.Level == LogLevel.Error));
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"reset-password) not sent through SMTP server 127.0.0.1:{unreachable}", error.Message, StringComparison.Ordinal);

        // An address Identity accepts but MailAddress rejects must not stop the host either (an escaping exception would).
        options.Value = Settings(smtp.Port);
        queue.TryQueue(new SmtpMessage("a<b@example.org", "confirm-email", "Confirm", "Secret intro", "https://portal.example/c?code=" + token));
        queue.TryQueue(new SmtpMessage("bob@example.org", "confirm-email", "Confirm", "Open this link:", "https://portal.example/c?code=ok"));
        await smtp.WaitForMessageAsync(m => m.Recipients.Contains("bob@example.org"), Wait);

        Assert.False(dispatcher.ExecuteTask!.IsCompleted, "the dispatcher stopped");
        Assert.Equal(2, log.Entries.Count(e => e.Level == LogLevel.Error));
        Assert.All(log.Entries, e =>
        {
            Assert.DoesNotContain(token, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Secret intro", e.Message, StringComparison.Ordinal);
        });
        await dispatcher.StopAsync(CancellationToken.None);
    }

    private static EmailOptions Settings(int port) => new()
    {
        FromAddress = "no-reply@portal.example", SmtpHost = "127.0.0.1", SmtpPort = port, SmtpUseTls = false,
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(50, cts.Token);
        }
    }

    private sealed class SwitchableOptions(EmailOptions value) : IOptions<EmailOptions>
    {
        public EmailOptions Value { get; set; } = value;
    }
}

/// <summary>The running Web host with Email:SmtpHost set: a password reset reaches the SMTP server and its link works.</summary>
[Collection(PortalCollection.Name)]
public sealed partial class SmtpHostDeliveryTests(PortalFixture f)
{
    [Fact]
    public async Task ForgotPassword_MailsTheResetLinkThroughSmtp_AndTheLinkOpensTheResetForm()
    {
        var portal = await f.SsoAsync();
        var user = await TestUsers.CreateAsync(f.Web);
        var client = portal.Web.Browserless();
        var forgot = await Forms.SubmitAsync(client, "/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = user.Email! });
        Assert.Contains("Account/ForgotPasswordConfirmation", Forms.Location(forgot), StringComparison.Ordinal);

        var mail = await portal.Smtp.WaitForMessageAsync(m => m.Recipients.Contains(user.Email!), TimeSpan.FromSeconds(10));
        var parsed = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(mail.Data)));
        Assert.Equal("Reset your KubeHarden Portal password", parsed.Subject);
        var link = WebUtility.HtmlDecode(Href().Match(parsed.HtmlBody ?? "").Groups[1].Value);
        Assert.Contains("/Account/ResetPassword?code=", link, StringComparison.Ordinal);

        var page = await client.GetAsync(new Uri(link).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("name=\"Input.Password\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();
}
