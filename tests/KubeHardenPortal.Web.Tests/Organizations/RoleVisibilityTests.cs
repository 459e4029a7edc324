using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Organizations;
using KubeHardenPortal.Web.Features.Teams;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Organizations;

/// <summary>What each organization role may read (PRODUCT.md §5), enforced in the handlers, not only hidden in the UI.</summary>
[Collection(PortalCollection.Name)]
public sealed class RoleVisibilityTests(PortalFixture f)
{
    [Fact]
    public async Task Member_SeesOnlyTheirTeams_AndNeitherMembersNorAuditLog()
    {
        var member = await TestUsers.CreateAsync(f.Web);
        var auditor = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (member.Id, OrgRole.Member), (auditor.Id, OrgRole.Auditor));
        await using (var owner = f.Db.OwnerContext())
        {
            var mine = new Team { Id = Guid.NewGuid(), TenantId = org, Name = "mine", CreatedAt = DateTimeOffset.UnixEpoch };
            var other = new Team { Id = Guid.NewGuid(), TenantId = org, Name = "other", CreatedAt = DateTimeOffset.UnixEpoch };
            owner.Teams.AddRange(mine, other);
            owner.TeamMembers.Add(new TeamMember { Id = Guid.NewGuid(), TenantId = org, TeamId = mine.Id, UserId = member.Id, Role = TeamRole.Engineer });
            await owner.SaveChangesAsync();
        }

        await TestUsers.SelectAsync(f.Db, member.Id, org);
        await TestUsers.SelectAsync(f.Db, auditor.Id, org);

        await using (var scope = await ScopeForAsync(member.Id))
        {
            var teams = (await scope.ServiceProvider.GetRequiredService<ListTeamsHandler>().HandleAsync(CancellationToken.None)).Value!;
            Assert.Equal(["mine"], teams.Select(t => t.Name));
            Assert.Equal(TeamRole.Engineer, teams[0].MyRole);
            Assert.Equal("forbidden", (await scope.ServiceProvider.GetRequiredService<ListMembersHandler>().HandleAsync(CancellationToken.None)).Error?.Code);
            Assert.Equal("forbidden", (await scope.ServiceProvider.GetRequiredService<ListAuditEventsHandler>()
                .HandleAsync(new ListAuditEventsQuery(0, 25, null), CancellationToken.None)).Error?.Code);
        }

        await using (var scope = await ScopeForAsync(auditor.Id))
        {
            var teams = (await scope.ServiceProvider.GetRequiredService<ListTeamsHandler>().HandleAsync(CancellationToken.None)).Value!;
            Assert.Equal(["mine", "other"], teams.Select(t => t.Name));
            Assert.Equal(2, (await scope.ServiceProvider.GetRequiredService<ListMembersHandler>().HandleAsync(CancellationToken.None)).Value!.Count);
            Assert.True((await scope.ServiceProvider.GetRequiredService<ListAuditEventsHandler>()
                .HandleAsync(new ListAuditEventsQuery(0, 25, null), CancellationToken.None)).Succeeded);
        }
    }

    [Fact]
    public async Task AuditLog_RecordsOrganizationChanges_InTheSameTenantOnly()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        await using var scope = await ScopeForAsync(owner.Id);
        var sp = scope.ServiceProvider;
        var created = await sp.GetRequiredService<CreateOrganizationHandler>().HandleAsync(new("Audit Trail Co"), CancellationToken.None);
        await sp.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(owner.Id, CancellationToken.None);
        await sp.GetRequiredService<UpdateOrganizationSettingsHandler>().HandleAsync(new RenameOrganizationCommand("Audit Trail Inc"), CancellationToken.None);

        var page = (await sp.GetRequiredService<ListAuditEventsHandler>().HandleAsync(new ListAuditEventsQuery(0, 25, null), CancellationToken.None)).Value!;
        Assert.Equal(["organization.renamed", "organization.created"], page.Items.Select(e => e.Action));
        Assert.Equal(2, page.Total);
        Assert.Equal(created.Value!.Id, sp.GetRequiredService<CurrentOrganization>().Organization!.Id);

        var search = (await sp.GetRequiredService<ListAuditEventsHandler>().HandleAsync(new ListAuditEventsQuery(0, 25, "renamed"), CancellationToken.None)).Value!;
        Assert.Single(search.Items);
    }

    private async Task<AsyncServiceScope> ScopeForAsync(Guid userId)
    {
        var scope = f.Web.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(userId, CancellationToken.None);
        return scope;
    }
}
