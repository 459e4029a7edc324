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
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Contains(AccessDeniedText, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
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

    /// <summary>
    /// A typed URL to a refused page answers 403 with the access-denied page in place (the address is kept), for a GET
    /// and a form post alike; anonymous callers are still sent to sign in, and APIs keep their problem responses.
    /// </summary>
    [Fact]
    public async Task RefusedRole_Gets403WithTheAccessDeniedPage_AnonymousIsSentToSignIn_ApiAnswersProblemDetails()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var member = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner), (member.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, member.Id, org);
        using var client = await TestUsers.SignedInClientAsync(f.Web, member.Email!);

        using var refused = await client.GetAsync("/audit?page=2");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null(refused.Headers.Location);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("<title>Access denied · KubeHarden</title>", html, StringComparison.Ordinal);
        Assert.Contains(AccessDeniedText, html, StringComparison.Ordinal);
        Assert.DoesNotContain("export.csv", html, StringComparison.Ordinal); // nothing of the audit page itself
        // The same page as the access-denied address itself shows (the product's look), apart from per-request tokens.
        var direct = await client.GetStringAsync("/Account/AccessDenied");
        Assert.Equal(AuthHeader(direct), AuthHeader(html));

        using var post = await client.PostAsync("/settings", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Contains(AccessDeniedText, await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var anonymous = await f.Web.Browserless().GetAsync("/audit");
        Assert.StartsWith("/Account/Login", Forms.LocationPath(anonymous), StringComparison.Ordinal);

        using var api = await client.GetAsync("/api/v1/audit-events");
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    private const string AccessDeniedText = "Your account does not have access to that page.";

    private static string AuthHeader(string html)
    {
        var start = html.IndexOf("khp-auth-title", StringComparison.Ordinal);
        Assert.True(start >= 0, "no access-denied heading");
        return html[start..html.IndexOf("</main>", start, StringComparison.Ordinal)];
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
