using System.Net;
using System.Reflection;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.ApiTokens;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Features.Settings;
using KubeHardenPortal.Web.Features.Teams;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;

namespace KubeHardenPortal.Web.Tests.Hosting;

/// <summary>Route-level role policies of the organization pages, evaluated in the user's selected organization.</summary>
[Collection(PortalCollection.Name)]
public sealed class PageAccessTests(PortalFixture f)
{
    [Theory]
    [InlineData(typeof(MembersPage), PageAccess.Auditor)]
    [InlineData(typeof(AuditLogPage), PageAccess.Auditor)]
    [InlineData(typeof(SettingsPage), PageAccess.Auditor)]
    [InlineData(typeof(ApiTokensPage), PageAccess.Admin)]
    [InlineData(typeof(TeamsPage), PageAccess.Member)]
    public void OrganizationPages_DeclareTheirRolePolicy(Type page, string policy) =>
        Assert.Equal(policy, page.GetCustomAttribute<AuthorizeAttribute>()?.Policy);

    [Fact]
    public async Task Role_ComesFromTheSelectedOrganization_NotFromAnyMembership()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var owned = await TestUsers.CreateOrganizationAsync(f.Db, false, (user.Id, OrgRole.Owner));
        var joined = await TestUsers.CreateOrganizationAsync(f.Db, false, (user.Id, OrgRole.Member));

        await TestUsers.SelectAsync(f.Db, user.Id, joined);
        using (var client = await TestUsers.SignedInClientAsync(f.Web, user.Email!))
        {
            foreach (var path in new[] { "/audit", "/members", "/settings", "/settings/api-tokens" })
            {
                var response = await client.GetAsync(path);
                Assert.StartsWith("/Account/AccessDenied", Forms.LocationPath(response), StringComparison.Ordinal);
            }
        }

        await TestUsers.SelectAsync(f.Db, user.Id, owned);
        using (var client = await TestUsers.SignedInClientAsync(f.Web, user.Email!))
        {
            foreach (var path in new[] { "/audit", "/members", "/settings", "/settings/api-tokens" })
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
            }
        }
    }

    [Fact]
    public async Task NoOrganization_OrMissingMfa_GoesToTheGate_NotToAccessDenied()
    {
        var lone = await TestUsers.CreateAsync(f.Web);
        using (var client = await TestUsers.SignedInClientAsync(f.Web, lone.Email!))
        {
            Assert.Equal("/", Forms.LocationPath(await client.GetAsync("/settings")));
        }

        var admin = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: true, (admin.Id, OrgRole.Admin));
        await TestUsers.SelectAsync(f.Db, admin.Id, org);
        using (var client = await TestUsers.SignedInClientAsync(f.Web, admin.Email!))
        {
            Assert.Equal("/", Forms.LocationPath(await client.GetAsync("/settings/api-tokens")));
            var gate = await client.GetStringAsync("/");
            Assert.Contains("khp-enrol-mfa", gate, StringComparison.Ordinal);
        }
    }
}
