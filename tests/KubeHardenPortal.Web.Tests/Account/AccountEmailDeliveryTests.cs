using System.Globalization;
using System.Net;
using System.Text;
using Hangfire;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Contracts.Jobs;
using KubeHardenPortal.Testing;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;

namespace KubeHardenPortal.Web.Tests.Account;

/// <summary>
/// Account e-mails go durably through Hangfire to a real Worker host and its MailKit sender: the job holds the link
/// encrypted, survives the web host that enqueued it, and is retried while the SMTP relay is unreachable.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class AccountEmailDeliveryTests(PortalFixture f)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ForgotPassword_EnqueuesOneNotificationsJob_WhoseLinkIsEncryptedForThatUserAndKind()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var link = await ForgotPasswordAsync(f.Web, user.Email!);
        var code = System.Web.HttpUtility.ParseQueryString(new Uri(link).Query)["code"]!;

        var row = Assert.Single(await JobRowsAsync(user.Id));
        using var connection = f.Web.Services.GetRequiredService<JobStorage>().GetConnection();
        var job = connection.GetJobData(row.Id)!.Job;
        Assert.Equal(typeof(IEmailJob), job.Type);
        Assert.Equal(nameof(IEmailJob.SendProtectedAccountEmailAsync), job.Method.Name);
        Assert.Equal(user.Id, job.Args[0]);
        Assert.Equal(AccountEmailKind.ResetPassword, job.Args[1]);
        Assert.Equal(JobQueues.Notifications, job.Queue ?? connection.GetStateData(row.Id)?.Data["Queue"]);

        // Neither the reset token nor the link is readable anywhere in Hangfire's rows for this job.
        Assert.DoesNotContain(code, row.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("ResetPassword?", row.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(user.Email!, row.AllText, StringComparison.OrdinalIgnoreCase);

        // It decrypts to the link only under this user and kind.
        var provider = f.Web.Services.GetRequiredService<IDataProtectionProvider>();
        var protectedLink = Assert.IsType<string>(job.Args[2]);
        Assert.Equal(link, provider.CreateProtector(AccountLinkProtection.Purpose,
            AccountLinkProtection.SubPurposes(user.Id, AccountEmailKind.ResetPassword)).Unprotect(protectedLink));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => provider.CreateProtector(AccountLinkProtection.Purpose,
            AccountLinkProtection.SubPurposes(Guid.NewGuid(), AccountEmailKind.ResetPassword)).Unprotect(protectedLink));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => provider.CreateProtector(AccountLinkProtection.Purpose,
            AccountLinkProtection.SubPurposes(user.Id, AccountEmailKind.ConfirmEmail)).Unprotect(protectedLink));
    }

    [Fact]
    public async Task AWebHostStoppedRightAfterEnqueueing_LosesNothing_TheWorkerMailsTheLink_AndItResetsThePassword()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        string link;
        // A web host of its own, stopped once the request returned: nothing of the e-mail lives in its memory.
        var dying = new PortalWebFactory(f.Db.AppConnectionString);
        try
        {
            link = await ForgotPasswordAsync(dying, user.Email!);
        }
        finally
        {
            await dying.DisposeAsync();
        }

        await using var smtp = new FakeSmtpServer();
        var worker = await StartWorkerAsync(smtp.Port);
        try
        {
            var mail = await smtp.WaitForMessageAsync(m => m.Recipients.Contains(user.Email!, StringComparer.OrdinalIgnoreCase), Wait);
            var parsed = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(mail.Data)));
            Assert.StartsWith("Reset your", parsed.Subject, StringComparison.Ordinal);
            Assert.Contains(link, parsed.TextBody, StringComparison.Ordinal);

            // The mailed link works on another web host (same key ring): it sets the new password.
            const string newPassword = "Mailed-Link-Password-7";
            var client = f.Web.Browserless();
            var reset = await Forms.SubmitAsync(client, new Uri(link).PathAndQuery, "reset-password", new Dictionary<string, string>
            {
                ["Input.Email"] = user.Email!,
                ["Input.Password"] = newPassword,
                ["Input.ConfirmPassword"] = newPassword,
                ["Input.Code"] = System.Web.HttpUtility.ParseQueryString(new Uri(link).Query)["code"]!,
            });
            Assert.Contains("Account/Login", Forms.Location(reset), StringComparison.Ordinal);
        }
        finally
        {
            await WorkerHosts.StopAsync(worker);
        }
    }

    [Fact]
    public async Task SmtpUnreachable_TheJobIsScheduledForARetry_AndTheRetryDeliversOnceTheRelayIsBack()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var link = await ForgotPasswordAsync(f.Web, user.Email!);
        var jobId = Assert.Single(await JobRowsAsync(user.Id)).Id;

        var port = FakeSmtpServer.UnusedPort();
        var worker = await StartWorkerAsync(port);
        try
        {
            // The attempt fails and Hangfire's automatic retry schedules the same job again.
            var api = worker.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
            Assert.Equal("Scheduled", await StateAsync(api, jobId, "Scheduled"));
            Assert.Contains(api.JobDetails(jobId).History, h => h.StateName == "Failed" || h.Reason?.Contains("Retry", StringComparison.OrdinalIgnoreCase) == true);

            // The relay comes back where the Worker is told to connect; run the retry now instead of waiting its delay.
            await using var smtp = new FakeSmtpServer(port);
            Assert.True(worker.Services.GetRequiredService<IBackgroundJobClient>().Requeue(jobId));
            var mail = await smtp.WaitForMessageAsync(m => m.Recipients.Contains(user.Email!, StringComparer.OrdinalIgnoreCase), Wait);
            var parsed = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(mail.Data)));
            Assert.Contains(link, parsed.TextBody, StringComparison.Ordinal);
            Assert.Equal("Succeeded", await StateAsync(api, jobId, "Succeeded"));
        }
        finally
        {
            await WorkerHosts.StopAsync(worker);
        }
    }

    private static async Task<string> ForgotPasswordAsync(PortalWebFactory web, string email)
    {
        var forgot = await Forms.SubmitAsync(web.Browserless(), "/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = email });
        Assert.Contains("Account/ForgotPasswordConfirmation", Forms.Location(forgot), StringComparison.Ordinal);
        var shown = web.Services.GetRequiredService<DevelopmentOutbox>().Last(email);
        Assert.Equal("reset-password", shown?.Kind);
        return shown!.Link;
    }

    private Task<IHost> StartWorkerAsync(int smtpPort) => WorkerHosts.StartAsync(f, new Dictionary<string, string?>
    {
        ["Email:Mode"] = "Smtp",
        ["Email:From"] = "no-reply@portal.example",
        ["Email:Smtp:Host"] = "127.0.0.1",
        ["Email:Smtp:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Email:Smtp:Security"] = "None",
        ["Email:Smtp:Timeout"] = "00:00:05",
    });

    private static async Task<string?> StateAsync(Hangfire.Storage.IMonitoringApi api, string jobId, string wanted)
    {
        var deadline = TimeProvider.System.GetUtcNow() + Wait;
        string? state = null;
        while (state != wanted && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(100);
            state = api.JobDetails(jobId)?.History.FirstOrDefault()?.StateName;
        }

        return state;
    }

    private Task<List<HangfireJobRow>> JobRowsAsync(Guid id) => HangfireRows.NamingAsync(f.Db.JobsConnectionString, id);
}
