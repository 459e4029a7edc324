using System.Collections.Concurrent;
using Hangfire;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Contracts.Jobs;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.Invitations;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using KubeHardenPortal.Worker.Features.Email;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KubeHardenPortal.Web.Tests.Invitations;

/// <summary>
/// Creating an invitation hands its e-mail to the Worker through real Hangfire storage on PostgreSQL: one job on the
/// notifications queue, tenant first, the link encrypted (the token never sits readable in job storage), and a real
/// Worker host turns it into an e-mail whose link accepts the invitation.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class InvitationEmailTests(PortalFixture f)
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly Uri Site = new("http://portal.test/");

    [Fact]
    public async Task CreatingAnInvitation_EnqueuesExactlyOneNotificationsJob_TenantFirst_WithoutThePlaintextToken()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        var created = await InviteAsync(owner.Id, org, $"invitee-{Guid.NewGuid():N}@example.org");
        Assert.True(created.EmailQueued);
        var token = QueryHelpers.ParseQuery(new Uri(Site, created.Link).Query)["token"].ToString();
        Assert.NotEmpty(token);

        var rows = await JobRowsAsync(created.Id);
        var row = Assert.Single(rows);
        var storage = f.Web.Services.GetRequiredService<JobStorage>();
        using var connection = storage.GetConnection();
        var job = connection.GetJobData(row.Id)!.Job;
        Assert.Equal(typeof(IEmailJob), job.Type);
        Assert.Equal(nameof(IEmailJob.SendProtectedInvitationAsync), job.Method.Name);
        Assert.Equal(org, job.Args[0]);
        Assert.Equal(created.Id, job.Args[1]);
        Assert.Equal(JobQueues.Notifications, job.Queue ?? connection.GetStateData(row.Id)?.Data["Queue"]);

        // Neither the token nor the link is readable anywhere in Hangfire's rows for this job.
        Assert.DoesNotContain(token, row.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(token), row.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("/invitations/accept", row.AllText, StringComparison.Ordinal);
        var protectedLink = Assert.IsType<string>(job.Args[2]);
        Assert.DoesNotContain(token, protectedLink, StringComparison.Ordinal);
    }

    [Fact]
    public void TheWebHost_IsAHangfireClientOnly_AndRunsNoServer()
    {
        var hosted = f.Web.Services.GetServices<IHostedService>().Select(h => h.GetType().FullName ?? "").ToList();
        Assert.DoesNotContain(hosted, h => h.StartsWith("Hangfire", StringComparison.Ordinal));
        Assert.IsType<BackgroundJobClient>(f.Web.Services.GetRequiredService<IBackgroundJobClient>());
    }

    [Fact]
    public async Task TheProtectedLink_IsBoundToItsTenantAndInvitation()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        var first = await InviteAsync(owner.Id, org, $"first-{Guid.NewGuid():N}@example.org");
        var second = await InviteAsync(owner.Id, org, $"second-{Guid.NewGuid():N}@example.org");
        var protectedLink = await ProtectedArgumentAsync(first.Id);

        var provider = f.Web.Services.GetRequiredService<IDataProtectionProvider>();
        var right = provider.CreateProtector(InvitationLinkProtection.Purpose, InvitationLinkProtection.SubPurposes(org, first.Id));
        Assert.Equal(new Uri(Site, first.Link).AbsoluteUri, right.Unprotect(protectedLink));
        var otherInvitation = provider.CreateProtector(InvitationLinkProtection.Purpose, InvitationLinkProtection.SubPurposes(org, second.Id));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => otherInvitation.Unprotect(protectedLink));
    }

    [Fact]
    public async Task ARealWorker_SendsTheInvitationEmail_AndItsLinkAcceptsTheInvitation()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        var invitee = await TestUsers.CreateAsync(f.Web);
        var emails = new CapturingEmailSender();
        var worker = await WorkerHosts.StartAsync(f, new Dictionary<string, string?> { ["Email:Mode"] = "Log" },
            services => services.AddSingleton<IEmailSender>(emails));
        try
        {
            var created = await InviteAsync(owner.Id, org, invitee.Email!);
            Assert.True(created.EmailQueued);
            var shownToInviter = new Uri(Site, created.Link).AbsoluteUri;

            var message = await emails.WaitForAsync(invitee.Email!, TimeSpan.FromSeconds(30));
            Assert.Equal(shownToInviter, message.Link);
            Assert.Contains(shownToInviter, message.TextBody, StringComparison.Ordinal);
            Assert.Contains("as Auditor", message.TextBody, StringComparison.Ordinal);

            // The e-mailed link works: the invitee accepts with what the e-mail carries.
            var query = QueryHelpers.ParseQuery(new Uri(message.Link).Query);
            await TestUsers.SelectAsync(f.Db, invitee.Id, null);
            await using var scope = f.Web.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(invitee.Id, Ct);
            var accepted = await scope.ServiceProvider.GetRequiredService<AcceptInvitationHandler>()
                .HandleAsync(new(Guid.Parse(query["org"]!), query["token"]!), Ct);
            Assert.True(accepted.Succeeded, accepted.Error?.Message);
            Assert.Equal(OrgRole.Auditor, accepted.Value!.Role);
        }
        finally
        {
            await WorkerHosts.StopAsync(worker);
        }
    }

    private async Task<CreatedInvitation> InviteAsync(Guid inviter, Guid org, string email)
    {
        await TestUsers.SelectAsync(f.Db, inviter, org);
        await using var scope = f.Web.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(inviter, Ct);
        var result = await scope.ServiceProvider.GetRequiredService<CreateInvitationHandler>()
            .HandleAsync(new(email, OrgRole.Auditor, BaseUri: Site), Ct);
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Value!;
    }

    private async Task<string> ProtectedArgumentAsync(Guid invitationId)
    {
        var row = Assert.Single(await JobRowsAsync(invitationId));
        using var connection = f.Web.Services.GetRequiredService<JobStorage>().GetConnection();
        return Assert.IsType<string>(connection.GetJobData(row.Id)!.Job.Args[2]);
    }

    private Task<List<HangfireJobRow>> JobRowsAsync(Guid id) => HangfireRows.NamingAsync(f.Db.JobsConnectionString, id);

    private sealed class CapturingEmailSender : IEmailSender
    {
        private readonly ConcurrentQueue<EmailMessage> _sent = new();

        public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
        {
            _sent.Enqueue(message);
            return Task.CompletedTask;
        }

        public async Task<EmailMessage> WaitForAsync(string to, TimeSpan timeout)
        {
            var deadline = TimeProvider.System.GetUtcNow() + timeout;
            while (TimeProvider.System.GetUtcNow() < deadline)
            {
                var found = _sent.FirstOrDefault(m => string.Equals(m.To, to, StringComparison.OrdinalIgnoreCase));
                if (found is not null)
                {
                    return found;
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"no e-mail to {to} within {timeout}");
        }
    }
}
