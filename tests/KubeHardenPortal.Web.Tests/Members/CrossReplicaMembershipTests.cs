using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace KubeHardenPortal.Web.Tests.Members;

/// <summary>
/// Two web replicas on one real database: a membership change made through one reaches the other's
/// <see cref="MembershipChanges"/> through PostgreSQL LISTEN/NOTIFY (no waiting for the 30-second re-check), and the
/// listener reconnects after its backend is terminated.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class CrossReplicaMembershipTests(PortalFixture f)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    // Generous: this bounds a hung test, it is not a speed assertion.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AChangeOnOneReplica_IsObservedByAnother_AlsoAfterItsListenerConnectionWasTerminated()
    {
        await using var other = new PortalWebFactory(f.Db.AppConnectionString);
        var otherChanges = other.Services.GetRequiredService<MembershipChanges>();
        var relay = other.Services.GetServices<IHostedService>().OfType<MembershipSignalRelay>().Single();
        var owner = (await TestUsers.CreateAsync(f.Web)).Id;
        var member = (await TestUsers.CreateAsync(f.Web)).Id;
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner, OrgRole.Owner), (member, OrgRole.Member));
        await WaitUntilAsync(() => relay.ListeningSessions >= 1, "the other replica listens");

        // A role change committed through this replica.
        var before = otherChanges.VersionOf(member, null);
        await using (var scope = await ScopeForAsync(owner, org))
        {
            var changed = await scope.ServiceProvider.GetRequiredService<ChangeMemberRoleHandler>().HandleAsync(new(member, OrgRole.Auditor), Ct);
            Assert.True(changed.Succeeded, changed.Error?.Message);
        }

        await WaitUntilAsync(() => otherChanges.VersionOf(member, null) > before, "the role change reaches the other replica");

        // The other replica's listener session is killed by the server; it reconnects on its own.
        var sessions = relay.ListeningSessions;
        Assert.Equal(1, await TerminateAsync(relay.ListenerApplicationName));
        await WaitUntilAsync(() => relay.ListeningSessions > sessions, "the listener reconnects");

        var beforeRemoval = otherChanges.VersionOf(member, null);
        await using (var scope = await ScopeForAsync(owner, org))
        {
            var removed = await scope.ServiceProvider.GetRequiredService<RemoveMemberHandler>().HandleAsync(new(member), Ct);
            Assert.True(removed.Succeeded, removed.Error?.Message);
        }

        await WaitUntilAsync(() => otherChanges.VersionOf(member, null) > beforeRemoval, "the removal reaches the reconnected replica");
        // Ids only: someone else's circuit is not told to re-check by this change.
        Assert.True(otherChanges.VersionOf(Guid.NewGuid(), Guid.NewGuid()) <= beforeRemoval);
    }

    [Fact]
    public void Payloads_CarryOnlyTheScopeTheIdAndTheSender()
    {
        var id = Guid.NewGuid();
        var text = MembershipSignalRelay.Format(new MembershipSignal(MembershipScope.Organization, id), "abc");
        Assert.Equal($"o:{id:N}:abc", text);
        Assert.Equal((new MembershipSignal(MembershipScope.Organization, id), "abc"), MembershipSignalRelay.Parse(text));
        Assert.Null(MembershipSignalRelay.Parse("x:" + id.ToString("N") + ":abc"));
        Assert.Null(MembershipSignalRelay.Parse("u:not-a-guid:abc"));
    }

    private async Task<AsyncServiceScope> ScopeForAsync(Guid userId, Guid org)
    {
        await TestUsers.SelectAsync(f.Db, userId, org);
        var scope = f.Web.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(userId, Ct);
        return scope;
    }

    private async Task<int> TerminateAsync(string applicationName)
    {
        await using var admin = new NpgsqlConnection(f.Server.AdminConnectionString);
        await admin.OpenAsync();
        // In the select list, so it runs only for the rows the filter kept (a WHERE clause may evaluate it for every row).
        await using var cmd = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = @name", admin);
        cmd.Parameters.AddWithValue("name", applicationName);
        var terminated = 0;
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            terminated += reader.GetBoolean(0) ? 1 : 0;
        }

        return terminated;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = TimeProvider.System.GetUtcNow() + Wait;
        while (!condition())
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"not within {Wait}: {what}");
            }

            await Task.Delay(50);
        }
    }
}
