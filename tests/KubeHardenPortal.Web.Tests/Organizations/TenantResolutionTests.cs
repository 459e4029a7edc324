using System.Net;
using System.Net.Http.Json;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Web.Features.Organizations;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Organizations;

/// <summary>The tenant comes only from the signed-in user's selection, validated against membership and MFA policy.</summary>
[Collection(PortalCollection.Name)]
public sealed class TenantResolutionTests(PortalFixture f)
{
    [Fact]
    public async Task Api_SelectedOrganization_Member_ReturnsIt()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (user.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, user.Id, org);
        var client = await TestUsers.SignedInClientAsync(f.Web, user.Email!);

        var current = await client.GetFromJsonAsync<OrganizationDto>("/api/organizations/current");
        Assert.Equal(org, current!.Id);
        Assert.Equal("Member", current.Role);
    }

    [Fact]
    public async Task Api_SelectedOrganization_NotAMember_FailsClosed()
    {
        var stranger = await TestUsers.CreateAsync(f.Web);
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (owner.Id, OrgRole.Owner));
        await TestUsers.SelectAsync(f.Db, stranger.Id, org); // a stale or forged selection
        var client = await TestUsers.SignedInClientAsync(f.Web, stranger.Email!);

        var response = await client.GetAsync("/api/organizations/current");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("no_organization", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/organizations/current/members")).StatusCode);
    }

    [Fact]
    public async Task Api_MfaRequired_AdminWithoutMfa_IsRefused_MemberIsNot()
    {
        var admin = await TestUsers.CreateAsync(f.Web);
        var member = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: true, (admin.Id, OrgRole.Admin), (member.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, admin.Id, org);
        await TestUsers.SelectAsync(f.Db, member.Id, org);

        var adminResponse = await (await TestUsers.SignedInClientAsync(f.Web, admin.Email!)).GetAsync("/api/organizations/current");
        Assert.Equal(HttpStatusCode.Forbidden, adminResponse.StatusCode);
        Assert.Contains("mfa_required", await adminResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var memberResponse = await (await TestUsers.SignedInClientAsync(f.Web, member.Email!)).GetAsync("/api/organizations/current");
        Assert.Equal(HttpStatusCode.OK, memberResponse.StatusCode);
    }

    [Fact]
    public async Task Resolver_SetsTheTenantOnlyForAValidSelection()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (user.Id, OrgRole.Owner));
        await using var scope = f.Web.Services.CreateAsyncScope();
        var resolver = scope.ServiceProvider.GetRequiredService<OrganizationAccessResolver>();
        var tenant = scope.ServiceProvider.GetRequiredService<TenantContext>();
        var current = scope.ServiceProvider.GetRequiredService<CurrentOrganization>();

        await resolver.ResolveAsync(user.Id, CancellationToken.None);
        Assert.Null(tenant.TenantId);
        Assert.Equal(OrganizationStatus.NoOrganization, current.Status);
        Assert.Single(current.Memberships);

        await TestUsers.SelectAsync(f.Db, user.Id, org);
        await resolver.ResolveAsync(user.Id, CancellationToken.None);
        Assert.Equal(org, tenant.TenantId);
        Assert.True(current.Has(OrgRole.Owner));
    }

    [Fact]
    public async Task CreateOrganization_CreatorBecomesOwner_AndSwitchesToIt()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        await using var scope = f.Web.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        await sp.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(user.Id, CancellationToken.None);

        var created = await sp.GetRequiredService<CreateOrganizationHandler>().HandleAsync(new("Acme Ops"), CancellationToken.None);
        Assert.True(created.Succeeded, created.Error?.Message);
        Assert.Equal("acme-ops", created.Value!.Slug[..8]);

        var current = sp.GetRequiredService<CurrentOrganization>();
        await sp.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(user.Id, CancellationToken.None);
        Assert.Equal(created.Value.Id, current.Organization?.Id);
        Assert.Equal(OrgRole.Owner, current.Role);

        var renamed = await sp.GetRequiredService<UpdateOrganizationSettingsHandler>().HandleAsync(new RenameOrganizationCommand("Acme Operations"), CancellationToken.None);
        Assert.True(renamed.Succeeded, renamed.Error?.Message);
        Assert.Equal("Acme Operations", current.Organization?.Name);
    }

    [Fact]
    public async Task Settings_MemberCannotRename_OrChangeThePolicy()
    {
        var member = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (member.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, member.Id, org);
        await using var scope = f.Web.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        await sp.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(member.Id, CancellationToken.None);
        var settings = sp.GetRequiredService<UpdateOrganizationSettingsHandler>();

        Assert.Equal("forbidden", (await settings.HandleAsync(new RenameOrganizationCommand("Pwned"), CancellationToken.None)).Error?.Code);
        Assert.Equal("forbidden", (await settings.HandleAsync(new SetMfaRequirementCommand(true), CancellationToken.None)).Error?.Code);
    }

    [Fact]
    public async Task Switch_ToAnOrganizationYouAreNotIn_IsRefused()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var other = await TestUsers.CreateAsync(f.Web);
        var foreign = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (other.Id, OrgRole.Owner));
        await using var scope = f.Web.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        await sp.GetRequiredService<OrganizationAccessResolver>().ResolveAsync(user.Id, CancellationToken.None);

        var result = await sp.GetRequiredService<SwitchOrganizationHandler>().HandleAsync(new SwitchOrganizationCommand(foreign), CancellationToken.None);
        Assert.Equal("not_found", result.Error?.Code);
        Assert.Null(sp.GetRequiredService<TenantContext>().TenantId);
    }
}
