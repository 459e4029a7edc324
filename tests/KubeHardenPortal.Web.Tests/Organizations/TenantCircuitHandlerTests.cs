using System.Security.Claims;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Organizations;

/// <summary>Interactive components get their tenant from the circuit's user, re-validated while the circuit lives.</summary>
[Collection(PortalCollection.Name)]
public sealed class TenantCircuitHandlerTests(PortalFixture f)
{
    [Fact]
    public async Task CircuitOpened_BindsTheUsersSelectedOrganization()
    {
        var (user, org) = await MemberAsync();
        await using var scope = f.Web.Services.CreateAsyncScope();
        var (handler, _) = Create(scope.ServiceProvider, user);

        await handler.OnCircuitOpenedAsync(null!, CancellationToken.None);

        Assert.Equal(org, scope.ServiceProvider.GetRequiredService<TenantContext>().TenantId);
    }

    [Fact]
    public async Task MembershipRemoved_NextActivityAfterTheInterval_FailsClosed()
    {
        var (user, org) = await MemberAsync();
        await using var scope = f.Web.Services.CreateAsyncScope();
        var (handler, clock) = Create(scope.ServiceProvider, user);
        await handler.OnCircuitOpenedAsync(null!, CancellationToken.None);
        var tenant = scope.ServiceProvider.GetRequiredService<TenantContext>();
        var activity = handler.CreateInboundActivityHandler(_ => Task.CompletedTask);

        await using (var owner = f.Db.OwnerContext())
        {
            Assert.Equal(1, await owner.Memberships.IgnoreQueryFilters().Where(m => m.UserId == user && m.TenantId == org).ExecuteDeleteAsync());
        }

        await activity(null!);
        Assert.Equal(org, tenant.TenantId); // within the interval: no query per event

        clock.Advance(TenantCircuitHandler.RevalidateEvery);
        await activity(null!);
        Assert.Null(tenant.TenantId);
        Assert.Equal(OrganizationStatus.NoOrganization, scope.ServiceProvider.GetRequiredService<CurrentOrganization>().Status);
    }

    [Fact]
    public async Task MemberRemovedOnThisProcess_TheirOpenCircuitFailsClosedOnItsNextEvent_WithoutWaitingForTheInterval()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var member = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (owner.Id, OrgRole.Owner), (member.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, member.Id, org);
        await using var memberScope = f.Web.Services.CreateAsyncScope();
        var (handler, _) = Create(memberScope.ServiceProvider, member.Id);
        await handler.OnCircuitOpenedAsync(null!, CancellationToken.None);
        var activity = handler.CreateInboundActivityHandler(_ => Task.CompletedTask);
        var tenant = memberScope.ServiceProvider.GetRequiredService<TenantContext>();
        Assert.Equal(org, tenant.TenantId);

        await TestUsers.SelectAsync(f.Db, owner.Id, org);
        await using (var ownerScope = f.Web.Services.CreateAsyncScope())
        {
            await ownerScope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(owner.Id, CancellationToken.None);
            var removed = await ownerScope.ServiceProvider.GetRequiredService<RemoveMemberHandler>().HandleAsync(new(member.Id), CancellationToken.None);
            Assert.True(removed.Succeeded, removed.Error?.Message);
        }

        await activity(null!); // same instant: no interval has passed
        Assert.Null(tenant.TenantId);
        Assert.Equal(OrganizationStatus.NoOrganization, memberScope.ServiceProvider.GetRequiredService<CurrentOrganization>().Status);
    }

    [Fact]
    public async Task AdminDemotedOnThisProcess_TheirOpenCircuitTakesTheNewRoleOnItsNextEvent()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var admin = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (owner.Id, OrgRole.Owner), (admin.Id, OrgRole.Admin));
        await TestUsers.SelectAsync(f.Db, admin.Id, org);
        await using var adminScope = f.Web.Services.CreateAsyncScope();
        var (handler, _) = Create(adminScope.ServiceProvider, admin.Id);
        await handler.OnCircuitOpenedAsync(null!, CancellationToken.None);
        var activity = handler.CreateInboundActivityHandler(_ => Task.CompletedTask);
        var current = adminScope.ServiceProvider.GetRequiredService<CurrentOrganization>();
        Assert.Equal(OrgRole.Admin, current.Role);

        await TestUsers.SelectAsync(f.Db, owner.Id, org);
        await using (var ownerScope = f.Web.Services.CreateAsyncScope())
        {
            await ownerScope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(owner.Id, CancellationToken.None);
            var changed = await ownerScope.ServiceProvider.GetRequiredService<ChangeMemberRoleHandler>()
                .HandleAsync(new(admin.Id, OrgRole.Member), CancellationToken.None);
            Assert.True(changed.Succeeded, changed.Error?.Message);
        }

        await activity(null!);
        Assert.Equal(OrgRole.Member, current.Role);
    }

    [Fact]
    public async Task AnotherUsersChange_DoesNotMakeThisCircuitQueryAgain()
    {
        var (user, org) = await MemberAsync();
        await using var scope = f.Web.Services.CreateAsyncScope();
        var (handler, _) = Create(scope.ServiceProvider, user);
        await handler.OnCircuitOpenedAsync(null!, CancellationToken.None);
        var activity = handler.CreateInboundActivityHandler(_ => Task.CompletedTask);

        // Removed behind the portal's back (no bump for this user), then someone else's membership changes.
        await using (var owner = f.Db.OwnerContext())
        {
            await owner.Memberships.IgnoreQueryFilters().Where(m => m.UserId == user && m.TenantId == org).ExecuteDeleteAsync();
        }

        f.Web.Services.GetRequiredService<MembershipChanges>().UserChanged(Guid.NewGuid());
        await activity(null!);
        Assert.Equal(org, scope.ServiceProvider.GetRequiredService<TenantContext>().TenantId); // not re-resolved: the interval still bounds it
    }

    [Fact]
    public async Task AnonymousCircuit_HasNoTenant()
    {
        await using var scope = f.Web.Services.CreateAsyncScope();
        var handler = new TenantCircuitHandler(new FixedAuthentication(new ClaimsPrincipal(new ClaimsIdentity())),
            scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>(), scope.ServiceProvider.GetRequiredService<CurrentOrganization>(),
            new ManualClock(), new MembershipChanges());

        await handler.OnCircuitOpenedAsync(null!, CancellationToken.None);

        Assert.Null(scope.ServiceProvider.GetRequiredService<TenantContext>().TenantId);
        Assert.Equal(OrganizationStatus.Unresolved, scope.ServiceProvider.GetRequiredService<CurrentOrganization>().Status);
    }

    private async Task<(Guid User, Guid Org)> MemberAsync()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (user.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, user.Id, org);
        return (user.Id, org);
    }

    private static (TenantCircuitHandler Handler, ManualClock Clock) Create(IServiceProvider sp, Guid userId)
    {
        var clock = new ManualClock();
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId.ToString())], "test"));
        return (new TenantCircuitHandler(new FixedAuthentication(principal), sp.GetRequiredService<OrganizationAccessResolver>(),
            sp.GetRequiredService<CurrentOrganization>(), clock, sp.GetRequiredService<MembershipChanges>()), clock);
    }

    private sealed class FixedAuthentication(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
