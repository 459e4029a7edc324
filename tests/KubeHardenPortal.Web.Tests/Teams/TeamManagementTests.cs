using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Teams;
using KubeHardenPortal.Web.Features.Teams;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Teams;

/// <summary>Creating, renaming and deleting teams and managing team members (PRODUCT.md §5), enforced in the handlers.</summary>
[Collection(PortalCollection.Name)]
public sealed class TeamManagementTests(PortalFixture f)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Admin_CreatesRenamesAndDeletesTeams_WithMembers_AllAudited()
    {
        var (org, admin, engineer) = await OrgAsync(OrgRole.Admin, OrgRole.Member);
        await using var scope = await ScopeForAsync(admin.Id, org);
        var id = (await Get<CreateTeamHandler>(scope).HandleAsync(new("Platform"), Ct)).Value;
        Assert.Equal("conflict", (await Get<CreateTeamHandler>(scope).HandleAsync(new(" Platform "), Ct)).Error?.Code);
        Assert.Equal("invalid", (await Get<CreateTeamHandler>(scope).HandleAsync(new("x"), Ct)).Error?.Code);
        Assert.Equal("Platform Eng", (await Get<RenameTeamHandler>(scope).HandleAsync(new(id, "Platform Eng"), Ct)).Value);

        Assert.True((await Get<AddTeamMemberHandler>(scope).HandleAsync(new(id, engineer.Email!.ToUpperInvariant(), TeamRole.Engineer), Ct)).Succeeded);
        Assert.Equal("conflict", (await Get<AddTeamMemberHandler>(scope).HandleAsync(new(id, engineer.Email!, TeamRole.Viewer), Ct)).Error?.Code);
        Assert.Equal(TeamRole.Maintainer, (await Get<ChangeTeamMemberRoleHandler>(scope).HandleAsync(new(id, engineer.Id, TeamRole.Maintainer), Ct)).Value);
        var teams = (await Get<ListTeamsHandler>(scope).HandleAsync(Ct)).Value!;
        Assert.Equal(TeamRole.Maintainer, Assert.Single(Assert.Single(teams).Members).Role);

        Assert.True((await Get<RemoveTeamMemberHandler>(scope).HandleAsync(new(id, engineer.Id), Ct)).Succeeded);
        Assert.True((await Get<DeleteTeamHandler>(scope).HandleAsync(new(id), Ct)).Succeeded);
        Assert.Empty((await Get<ListTeamsHandler>(scope).HandleAsync(Ct)).Value!);
        Assert.Equal(["team.created", "team.renamed", "team.member.added", "team.member.role.changed", "team.member.removed", "team.deleted"],
            await ActionsAsync(org));
    }

    [Fact]
    public async Task Maintainer_ManagesOwnTeamMembers_ButNotTeamsOrOtherTeams()
    {
        var (org, maintainer, other) = await OrgAsync(OrgRole.Member, OrgRole.Member);
        var (mine, theirs) = await TeamsAsync(org, (maintainer.Id, TeamRole.Maintainer));
        await using var scope = await ScopeForAsync(maintainer.Id, org);

        Assert.True((await Get<AddTeamMemberHandler>(scope).HandleAsync(new(mine, other.Email!, TeamRole.Viewer), Ct)).Succeeded);
        Assert.True((await Get<ChangeTeamMemberRoleHandler>(scope).HandleAsync(new(mine, other.Id, TeamRole.Engineer), Ct)).Succeeded);
        Assert.Equal("forbidden", (await Get<AddTeamMemberHandler>(scope).HandleAsync(new(theirs, other.Email!, TeamRole.Viewer), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Get<CreateTeamHandler>(scope).HandleAsync(new("Mine too"), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Get<RenameTeamHandler>(scope).HandleAsync(new(mine, "Renamed"), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Get<DeleteTeamHandler>(scope).HandleAsync(new(mine), Ct)).Error?.Code);
        Assert.True((await Get<RemoveTeamMemberHandler>(scope).HandleAsync(new(mine, other.Id), Ct)).Succeeded);
    }

    [Theory]
    [InlineData(OrgRole.Member, TeamRole.Engineer)]
    [InlineData(OrgRole.Auditor, null)]
    public async Task MemberAndAuditor_WithoutMaintainer_AreForbidden(OrgRole role, TeamRole? teamRole)
    {
        var (org, user, other) = await OrgAsync(role, OrgRole.Member);
        var (team, _) = await TeamsAsync(org, teamRole is { } tr ? (user.Id, tr) : null, (other.Id, TeamRole.Viewer));
        await using var scope = await ScopeForAsync(user.Id, org);

        Assert.Equal("forbidden", (await Get<CreateTeamHandler>(scope).HandleAsync(new("New team"), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Get<RenameTeamHandler>(scope).HandleAsync(new(team, "Renamed"), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Get<DeleteTeamHandler>(scope).HandleAsync(new(team), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Get<AddTeamMemberHandler>(scope).HandleAsync(new(team, user.Email!, TeamRole.Maintainer), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Get<ChangeTeamMemberRoleHandler>(scope).HandleAsync(new(team, other.Id, TeamRole.Maintainer), Ct)).Error?.Code);
        Assert.Equal("forbidden", (await Get<RemoveTeamMemberHandler>(scope).HandleAsync(new(team, other.Id), Ct)).Error?.Code);
        Assert.Empty(await ActionsAsync(org));
    }

    [Fact]
    public async Task AnotherOrganizationsTeamsAndPeople_CannotBeTouched()
    {
        var (org, admin, _) = await OrgAsync(OrgRole.Owner, OrgRole.Member);
        var (otherOrg, otherOwner, outsider) = await OrgAsync(OrgRole.Owner, OrgRole.Member);
        var (theirTeam, _) = await TeamsAsync(otherOrg, (outsider.Id, TeamRole.Viewer));
        var (myTeam, _) = await TeamsAsync(org);
        await using var scope = await ScopeForAsync(admin.Id, org);

        Assert.Equal("not_found", (await Get<RenameTeamHandler>(scope).HandleAsync(new(theirTeam, "Mine now"), Ct)).Error?.Code);
        Assert.Equal("not_found", (await Get<DeleteTeamHandler>(scope).HandleAsync(new(theirTeam), Ct)).Error?.Code);
        Assert.Equal("not_found", (await Get<AddTeamMemberHandler>(scope).HandleAsync(new(theirTeam, admin.Email!, TeamRole.Viewer), Ct)).Error?.Code);
        Assert.Equal("not_found", (await Get<ChangeTeamMemberRoleHandler>(scope).HandleAsync(new(theirTeam, outsider.Id, TeamRole.Maintainer), Ct)).Error?.Code);
        Assert.Equal("not_found", (await Get<RemoveTeamMemberHandler>(scope).HandleAsync(new(theirTeam, outsider.Id), Ct)).Error?.Code);
        Assert.Equal("not_found", (await Get<AddTeamMemberHandler>(scope).HandleAsync(new(myTeam, otherOwner.Email!, TeamRole.Viewer), Ct)).Error?.Code);

        await using var db = f.Db.OwnerContext();
        Assert.True(await db.TeamMembers.IgnoreQueryFilters().AnyAsync(m => m.TeamId == theirTeam && m.UserId == outsider.Id && m.Role == TeamRole.Viewer));
    }

    private static T Get<T>(AsyncServiceScope scope) where T : notnull => scope.ServiceProvider.GetRequiredService<T>();

    private async Task<(Guid Org, PortalUser First, PortalUser Second)> OrgAsync(OrgRole first, OrgRole second)
    {
        var a = await TestUsers.CreateAsync(f.Web);
        var b = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (a.Id, first), (b.Id, second));
        return (org, a, b);
    }

    /// <summary>Two teams; the given people are in the first one.</summary>
    private async Task<(Guid First, Guid Second)> TeamsAsync(Guid org, params (Guid UserId, TeamRole Role)?[] members)
    {
        await using var owner = f.Db.OwnerContext();
        var first = new Team { Id = Guid.NewGuid(), TenantId = org, Name = "first", CreatedAt = DateTimeOffset.UnixEpoch };
        var second = new Team { Id = Guid.NewGuid(), TenantId = org, Name = "second", CreatedAt = DateTimeOffset.UnixEpoch };
        owner.Teams.AddRange(first, second);
        foreach (var m in members.OfType<(Guid UserId, TeamRole Role)>())
        {
            owner.TeamMembers.Add(new TeamMember { Id = Guid.NewGuid(), TenantId = org, TeamId = first.Id, UserId = m.UserId, Role = m.Role });
        }

        await owner.SaveChangesAsync();
        return (first.Id, second.Id);
    }

    private async Task<AsyncServiceScope> ScopeForAsync(Guid userId, Guid org)
    {
        await TestUsers.SelectAsync(f.Db, userId, org);
        var scope = f.Web.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(userId, Ct);
        return scope;
    }

    private async Task<List<string>> ActionsAsync(Guid org)
    {
        await using var db = f.Db.OwnerContext();
        return await db.AuditEvents.IgnoreQueryFilters().Where(a => a.TenantId == org).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
    }
}
