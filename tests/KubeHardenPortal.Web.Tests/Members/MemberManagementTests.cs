using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Members;

/// <summary>Changing roles, removing members and transferring ownership (PRODUCT.md §5), enforced in the handlers.</summary>
[Collection(PortalCollection.Name)]
public sealed class MemberManagementTests(PortalFixture f)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Admin_ChangesMemberRole_AndItIsAudited()
    {
        var (org, users) = await OrgAsync(OrgRole.Owner, OrgRole.Admin, OrgRole.Member);
        await using var scope = await ScopeForAsync(users[1], org);
        var result = await Handler<ChangeMemberRoleHandler>(scope).HandleAsync(new(users[2], OrgRole.Auditor), Ct);

        Assert.Equal(OrgRole.Auditor, result.Value);
        Assert.Equal(OrgRole.Auditor, await RoleOfAsync(org, users[2]));
        Assert.Equal(["member.role.changed"], await ActionsAsync(org));
    }

    [Fact]
    public async Task Admin_CannotGrantOwner_NorChangeOrRemoveAnOwner()
    {
        var (org, users) = await OrgAsync(OrgRole.Owner, OrgRole.Admin, OrgRole.Member);
        await using var scope = await ScopeForAsync(users[1], org);

        Assert.Equal("forbidden", (await Handler<ChangeMemberRoleHandler>(scope).HandleAsync(new(users[2], OrgRole.Owner), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Handler<ChangeMemberRoleHandler>(scope).HandleAsync(new(users[0], OrgRole.Admin), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Handler<RemoveMemberHandler>(scope).HandleAsync(new(users[0]), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Handler<TransferOwnershipHandler>(scope).HandleAsync(new(users[1]), Ct)).Error?.Code);
        Assert.Equal(OrgRole.Owner, await RoleOfAsync(org, users[0]));
        Assert.Empty(await ActionsAsync(org));
    }

    [Theory]
    [InlineData(OrgRole.Member)]
    [InlineData(OrgRole.Auditor)]
    public async Task MemberAndAuditor_AreForbiddenEverything(OrgRole role)
    {
        var (org, users) = await OrgAsync(OrgRole.Owner, role, OrgRole.Member);
        await using var scope = await ScopeForAsync(users[1], org);

        Assert.Equal("forbidden", (await Handler<ChangeMemberRoleHandler>(scope).HandleAsync(new(users[2], OrgRole.Auditor), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Handler<RemoveMemberHandler>(scope).HandleAsync(new(users[2]), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Handler<TransferOwnershipHandler>(scope).HandleAsync(new(users[2]), Ct)).Error?.Code);
        Assert.Equal(OrgRole.Member, await RoleOfAsync(org, users[2]));
    }

    [Fact]
    public async Task Owner_ManagesOwners_ButNeverLeavesTheOrganizationWithoutOne()
    {
        var (org, users) = await OrgAsync(OrgRole.Owner, OrgRole.Admin);
        await using var scope = await ScopeForAsync(users[0], org);

        Assert.Equal("conflict", (await Handler<ChangeMemberRoleHandler>(scope).HandleAsync(new(users[0], OrgRole.Admin), Ct)).Error?.Code);
        Assert.Equal("conflict", (await Handler<RemoveMemberHandler>(scope).HandleAsync(new(users[0]), Ct)).Error?.Code);

        Assert.True((await Handler<ChangeMemberRoleHandler>(scope).HandleAsync(new(users[1], OrgRole.Owner), Ct)).Succeeded);
        Assert.True((await Handler<ChangeMemberRoleHandler>(scope).HandleAsync(new(users[0], OrgRole.Admin), Ct)).Succeeded);
        Assert.Equal(OrgRole.Admin, await RoleOfAsync(org, users[0]));
        Assert.Equal(OrgRole.Admin, scope.ServiceProvider.GetRequiredService<CurrentOrganization>().Role);
    }

    [Fact]
    public async Task TwoOwnersRemovingEachOtherAtOnce_LeaveOneOwner()
    {
        for (var round = 0; round < 3; round++)
        {
            var (org, users) = await OrgAsync(OrgRole.Owner, OrgRole.Owner);
            await using var first = await ScopeForAsync(users[0], org);
            await using var second = await ScopeForAsync(users[1], org);
            var results = await Task.WhenAll(
                Handler<RemoveMemberHandler>(first).HandleAsync(new(users[1]), Ct),
                Handler<RemoveMemberHandler>(second).HandleAsync(new(users[0]), Ct));

            Assert.Single(results, r => r.Succeeded);
            Assert.Single(results, r => r.Error?.Code == "conflict");
            await using var db = f.Db.OwnerContext();
            Assert.Equal(1, await db.Memberships.IgnoreQueryFilters().CountAsync(m => m.TenantId == org && m.Role == OrgRole.Owner));
        }
    }

    [Fact]
    public async Task Remove_DeletesMembershipAndTeamMemberships_AndIsAudited()
    {
        var (org, users) = await OrgAsync(OrgRole.Owner, OrgRole.Member);
        await using (var owner = f.Db.OwnerContext())
        {
            var team = new Team { Id = Guid.NewGuid(), TenantId = org, Name = "t", CreatedAt = DateTimeOffset.UnixEpoch };
            owner.Teams.Add(team);
            owner.TeamMembers.Add(new TeamMember { Id = Guid.NewGuid(), TenantId = org, TeamId = team.Id, UserId = users[1], Role = TeamRole.Viewer });
            await owner.SaveChangesAsync();
        }

        await using var scope = await ScopeForAsync(users[0], org);
        Assert.True((await Handler<RemoveMemberHandler>(scope).HandleAsync(new(users[1]), Ct)).Succeeded);

        await using var check = f.Db.OwnerContext();
        Assert.False(await check.Memberships.IgnoreQueryFilters().AnyAsync(m => m.TenantId == org && m.UserId == users[1]));
        Assert.False(await check.TeamMembers.IgnoreQueryFilters().AnyAsync(m => m.TenantId == org && m.UserId == users[1]));
        Assert.Equal(["member.removed"], await ActionsAsync(org));
    }

    [Fact]
    public async Task TransferOwnership_SwapsRoles_AndIsAudited()
    {
        var (org, users) = await OrgAsync(OrgRole.Owner, OrgRole.Member);
        await using var scope = await ScopeForAsync(users[0], org);
        Assert.Equal("invalid", (await Handler<TransferOwnershipHandler>(scope).HandleAsync(new(users[0]), Ct)).Error?.Code);
        Assert.True((await Handler<TransferOwnershipHandler>(scope).HandleAsync(new(users[1]), Ct)).Succeeded);

        Assert.Equal(OrgRole.Owner, await RoleOfAsync(org, users[1]));
        Assert.Equal(OrgRole.Admin, await RoleOfAsync(org, users[0]));
        Assert.Equal(["org.ownership.transferred"], await ActionsAsync(org));
        Assert.False(scope.ServiceProvider.GetRequiredService<CurrentOrganization>().Has(OrgRole.Owner));
    }

    [Fact]
    public async Task AnotherOrganizationsMember_CannotBeTouched()
    {
        var (org, users) = await OrgAsync(OrgRole.Owner);
        var (otherOrg, others) = await OrgAsync(OrgRole.Owner, OrgRole.Member);
        await using var scope = await ScopeForAsync(users[0], org);

        Assert.Equal("not_found", (await Handler<ChangeMemberRoleHandler>(scope).HandleAsync(new(others[1], OrgRole.Admin), Ct)).Error?.Code);
        Assert.Equal("not_found", (await Handler<RemoveMemberHandler>(scope).HandleAsync(new(others[1]), Ct)).Error?.Code);
        Assert.Equal("not_found", (await Handler<TransferOwnershipHandler>(scope).HandleAsync(new(others[1]), Ct)).Error?.Code);
        Assert.Equal(OrgRole.Member, await RoleOfAsync(otherOrg, others[1]));
        Assert.Equal(OrgRole.Owner, await RoleOfAsync(org, users[0]));
    }

    internal static T Handler<T>(AsyncServiceScope scope) where T : notnull => scope.ServiceProvider.GetRequiredService<T>();

    private async Task<(Guid Org, Guid[] Users)> OrgAsync(params OrgRole[] roles)
    {
        var users = new Guid[roles.Length];
        for (var i = 0; i < roles.Length; i++)
        {
            users[i] = (await TestUsers.CreateAsync(f.Web)).Id;
        }

        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, users.Zip(roles).ToArray());
        return (org, users);
    }

    private async Task<AsyncServiceScope> ScopeForAsync(Guid userId, Guid org)
    {
        await TestUsers.SelectAsync(f.Db, userId, org);
        var scope = f.Web.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(userId, Ct);
        return scope;
    }

    private async Task<OrgRole?> RoleOfAsync(Guid org, Guid user)
    {
        await using var db = f.Db.OwnerContext();
        return await db.Memberships.IgnoreQueryFilters().Where(m => m.TenantId == org && m.UserId == user).Select(m => (OrgRole?)m.Role).SingleOrDefaultAsync();
    }

    private async Task<List<string>> ActionsAsync(Guid org)
    {
        await using var db = f.Db.OwnerContext();
        return await db.AuditEvents.IgnoreQueryFilters().Where(a => a.TenantId == org).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
    }
}
