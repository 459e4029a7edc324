using Hangfire;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Contracts.Jobs;
using KubeHardenPortal.Data.Invitations;
using KubeHardenPortal.Data.Organizations;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace KubeHardenPortal.Worker.Tests.Features.Email;

/// <summary>Jobs enqueued through the IEmailJob contract run through real Hangfire storage on PostgreSQL.</summary>
[Collection(WorkerCollection.Name)]
public sealed class EmailJobTests(WorkerFixture f)
{
    private IBackgroundJobClient Jobs => f.Host.Services.GetRequiredService<IBackgroundJobClient>();

    [Fact]
    public async Task AccountEmail_EnqueuedByContract_IsSentToTheUsersAddress()
    {
        var link = "https://portal.example/confirm?token=" + Guid.NewGuid().ToString("N");
        var id = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendAccountEmailAsync(f.T.UserA, AccountEmailKind.ConfirmEmail, link, CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(id));
        var sent = Assert.Single(f.Emails.Sent, m => m.Link == link);
        Assert.StartsWith("a-", sent.To, StringComparison.Ordinal);
        Assert.Contains(link, sent.TextBody, StringComparison.Ordinal);

        // The one-time link leaves job storage after an hour, not Hangfire's default day.
        await using var conn = new NpgsqlConnection(f.Db.JobsConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT extract(epoch FROM expireat - now())::float8 FROM hangfire.job WHERE id = @id", conn);
        cmd.Parameters.AddWithValue("id", long.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
        var seconds = (double)(await cmd.ExecuteScalarAsync())!;
        Assert.InRange(seconds, 0, 3700);
    }

    [Fact]
    public async Task AccountEmail_ForAnUnknownUser_SucceedsWithoutSending()
    {
        var link = "https://portal.example/reset?token=" + Guid.NewGuid().ToString("N");
        var id = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendAccountEmailAsync(Guid.NewGuid(), AccountEmailKind.ResetPassword, link, CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(id));
        Assert.DoesNotContain(f.Emails.Sent, m => m.Link == link);
    }

    [Fact]
    public async Task ProtectedAccountEmail_IsDecryptedAndSent_ButNotWhenTheJobNamesAnotherUserOrKind()
    {
        var link = "https://portal.example/Account/ResetPassword?code=" + Guid.NewGuid().ToString("N");
        var protection = f.Host.Services.GetRequiredService<IDataProtectionProvider>();
        var sealedLink = protection.CreateProtector(AccountLinkProtection.Purpose,
            AccountLinkProtection.SubPurposes(f.T.UserA, AccountEmailKind.ResetPassword)).Protect(link);
        Assert.DoesNotContain(link, sealedLink, StringComparison.Ordinal);

        // Replayed for another user, or as another kind: it does not decrypt, nothing is sent, and there is no retry.
        var otherUser = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendProtectedAccountEmailAsync(f.T.UserB, AccountEmailKind.ResetPassword, sealedLink, CancellationToken.None));
        var otherKind = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendProtectedAccountEmailAsync(f.T.UserA, AccountEmailKind.ConfirmEmail, sealedLink, CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(otherUser));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(otherKind));
        Assert.DoesNotContain(f.Emails.Sent, m => m.Link == link);

        var id = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendProtectedAccountEmailAsync(f.T.UserA, AccountEmailKind.ResetPassword, sealedLink, CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(id));
        var sent = Assert.Single(f.Emails.Sent, m => m.Link == link);
        Assert.StartsWith("a-", sent.To, StringComparison.Ordinal);
        Assert.StartsWith("Reset your", sent.Subject, StringComparison.Ordinal);
        Assert.Contains(link, sent.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProtectedAccountExistsNotice_AndResetCode_AreSent()
    {
        var protection = f.Host.Services.GetRequiredService<IDataProtectionProvider>();
        var signIn = "https://portal.example/Account/Login?n=" + Guid.NewGuid().ToString("N");
        var code = Guid.NewGuid().ToString("N");
        var notice = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications, j => j.SendProtectedAccountEmailAsync(f.T.UserB, AccountEmailKind.AccountExists,
            protection.CreateProtector(AccountLinkProtection.Purpose, AccountLinkProtection.SubPurposes(f.T.UserB, AccountEmailKind.AccountExists)).Protect(signIn),
            CancellationToken.None));
        var reset = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications, j => j.SendProtectedAccountEmailAsync(f.T.UserB, AccountEmailKind.ResetCode,
            protection.CreateProtector(AccountLinkProtection.Purpose, AccountLinkProtection.SubPurposes(f.T.UserB, AccountEmailKind.ResetCode)).Protect(code),
            CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(notice));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(reset));
        Assert.Contains("tried to sign up", Assert.Single(f.Emails.Sent, m => m.Link == signIn).Subject, StringComparison.Ordinal);
        Assert.Contains(code, Assert.Single(f.Emails.Sent, m => m.Link == code).TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invitation_IsSentForItsTenant_AndNotWhenTheJobNamesAnotherTenant()
    {
        var invitation = await SeedInvitationAsync(f.T.TenantA, "invitee@example.org");
        var link = "https://portal.example/invite/" + Guid.NewGuid().ToString("N");
        var wrongTenant = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendInvitationAsync(f.T.TenantB, invitation, link, CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(wrongTenant));
        Assert.DoesNotContain(f.Emails.Sent, m => m.Link == link);

        var right = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendInvitationAsync(f.T.TenantA, invitation, link, CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(right));
        var sent = Assert.Single(f.Emails.Sent, m => m.Link == link);
        Assert.Equal("invitee@example.org", sent.To);
        Assert.Contains("Alpha", sent.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProtectedInvitation_IsDecryptedAndSent_ButNotWhenTheJobNamesAnotherInvitation()
    {
        var invitation = await SeedInvitationAsync(f.T.TenantA, "protected@example.org");
        var other = await SeedInvitationAsync(f.T.TenantA, "other@example.org");
        var link = "https://portal.example/invitations/accept?token=" + Guid.NewGuid().ToString("N");
        var protection = f.Host.Services.GetRequiredService<IDataProtectionProvider>();
        var sealedLink = protection.CreateProtector(InvitationLinkProtection.Purpose, InvitationLinkProtection.SubPurposes(f.T.TenantA, invitation))
            .Protect(link);
        Assert.DoesNotContain(link, sealedLink, StringComparison.Ordinal);

        // Replayed against another invitation of the same tenant: the payload does not decrypt, nothing is sent, no retry.
        var replayed = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendProtectedInvitationAsync(f.T.TenantA, other, sealedLink, CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(replayed));
        Assert.DoesNotContain(f.Emails.Sent, m => m.Link == link);

        var id = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendProtectedInvitationAsync(f.T.TenantA, invitation, sealedLink, CancellationToken.None));
        Assert.Equal("Succeeded", await f.WaitForJobAsync(id));
        var sent = Assert.Single(f.Emails.Sent, m => m.Link == link);
        Assert.Equal("protected@example.org", sent.To);
        Assert.Contains(link, sent.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANonHttpLink_FailsTheJob_InsteadOfMailingIt()
    {
        var id = Jobs.Enqueue<IEmailJob>(JobQueues.Notifications,
            j => j.SendAccountEmailAsync(f.T.UserB, AccountEmailKind.ConfirmEmail, "javascript:alert(1)", CancellationToken.None));
        // Hangfire retries failed jobs; the first failure moves it to Scheduled (a retry) or Failed.
        var api = f.Host.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        for (var i = 0; i < 100 && api.JobDetails(id).History.All(h => h.StateName is not ("Failed" or "Scheduled")); i++)
        {
            await Task.Delay(100);
        }

        var failure = api.JobDetails(id).History.First(h => h.StateName is "Failed" or "Scheduled");
        Assert.Contains("absolute http(s) URL", failure.Reason + " " + string.Join(" ", failure.Data.Values), StringComparison.Ordinal);
        Jobs.Delete(id);
        Assert.DoesNotContain(f.Emails.Sent, m => m.Link.StartsWith("javascript", StringComparison.Ordinal));
    }

    private async Task<Guid> SeedInvitationAsync(Guid tenant, string email)
    {
        await using var db = f.Db.OwnerContext();
        var invitation = new Invitation
        {
            Id = Guid.NewGuid(), TenantId = tenant, Email = email, Role = OrgRole.Member,
            TokenHash = Convert.ToHexString(Guid.NewGuid().ToByteArray()), InvitedByUserId = f.T.UserA,
            CreatedAt = TimeProvider.System.GetUtcNow(), ExpiresAt = TimeProvider.System.GetUtcNow().AddDays(7),
        };
        db.Invitations.Add(invitation);
        await db.SaveChangesAsync();
        return invitation.Id;
    }
}
