using System.Security.Claims;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
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
    public async Task AnonymousCircuit_HasNoTenant()
    {
        await using var scope = f.Web.Services.CreateAsyncScope();
        var handler = new TenantCircuitHandler(new FixedAuthentication(new ClaimsPrincipal(new ClaimsIdentity())),
            scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>(), scope.ServiceProvider.GetRequiredService<CurrentOrganization>(),
            new ManualClock());

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
            sp.GetRequiredService<CurrentOrganization>(), clock), clock);
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
