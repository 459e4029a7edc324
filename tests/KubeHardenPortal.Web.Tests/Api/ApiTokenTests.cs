using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.ApiTokens;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Organizations;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KubeHardenPortal.Web.Tests.Api;

[Collection(PortalCollection.Name)]
public sealed class ApiTokenTests(PortalFixture f)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private async Task<(HttpClient Client, Guid Org)> OwnerAsync()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (owner.Id, OrgRole.Owner));
        await TestUsers.SelectAsync(f.Db, owner.Id, org);
        return (await TestUsers.SignedInClientAsync(f.Web, owner.Email!), org);
    }

    private static async Task<CreatedApiToken> CreateTokenAsync(HttpClient client, OrgRole role, int days = 30)
    {
        var response = await client.PostAsJsonAsync("/api/v1/api-tokens", new { name = "ci", role = (int)role, expiresInDays = days });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedApiToken>(Json))!;
    }

    private HttpClient Bearer(string token)
    {
        var client = f.Web.Browserless();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Token_ShownOnce_AuthenticatesInItsOrganization_WithItsRole()
    {
        var (owner, org) = await OwnerAsync();
        var created = await CreateTokenAsync(owner, OrgRole.Auditor);
        Assert.StartsWith($"khp_{org:N}_", created.Token, StringComparison.Ordinal);
        Assert.True(ApiTokenFormat.TryParse(created.Token, out var parsedOrg, out var prefix));
        Assert.Equal(org, parsedOrg);
        Assert.Equal(created.Prefix, prefix);

        var list = await owner.GetStringAsync("/api/v1/api-tokens");
        Assert.Contains(created.Prefix, list, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Token, list, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Token[20..], list, StringComparison.Ordinal);

        var api = Bearer(created.Token);
        var current = await api.GetFromJsonAsync<OrganizationDto>("/api/v1/organization");
        Assert.Equal(org, current!.Id);
        Assert.Equal("Auditor", current.Role);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/audit-events")).StatusCode);
        // A token cannot manage tokens, even an Owner's.
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync("/api/v1/api-tokens")).StatusCode);

        await using var db = f.Db.OwnerContext();
        var stored = await db.ApiTokens.IgnoreQueryFilters().SingleAsync(t => t.Id == created.Id);
        Assert.NotNull(stored.LastUsedAt);
        Assert.Equal(ApiTokenFormat.Hash(created.Token), stored.TokenHash);
        Assert.True(await db.AuditEvents.IgnoreQueryFilters().AnyAsync(e => e.TenantId == org && e.Action == "token.created"));
    }

    [Fact]
    public async Task RevokedExpiredForgedAndMalformedTokens_Are401()
    {
        var (owner, org) = await OwnerAsync();
        var revoked = await CreateTokenAsync(owner, OrgRole.Member);
        var expired = await CreateTokenAsync(owner, OrgRole.Member);
        Assert.Equal(HttpStatusCode.OK, (await Bearer(revoked.Token).GetAsync("/api/v1/organization")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/api-tokens/{revoked.Id}")).StatusCode);
        await using (var db = f.Db.OwnerContext())
        {
            var row = await db.ApiTokens.IgnoreQueryFilters().SingleAsync(t => t.Id == expired.Id);
            row.ExpiresAt = DateTimeOffset.UnixEpoch;
            await db.SaveChangesAsync();
            Assert.True(await db.AuditEvents.IgnoreQueryFilters().AnyAsync(e => e.TenantId == org && e.Action == "token.revoked"));
        }

        var (_, otherOrg) = await OwnerAsync();
        var forged = revoked.Token.Replace(org.ToString("N"), otherOrg.ToString("N"), StringComparison.Ordinal);
        foreach (var token in new[] { revoked.Token, expired.Token, forged, "khp_nonsense", revoked.Token[..^1] + "A" })
        {
            var response = await Bearer(token).GetAsync("/api/v1/organization");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task TokenRole_CannotExceedTheCreatorsRole()
    {
        var admin = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (admin.Id, OrgRole.Admin));
        await TestUsers.SelectAsync(f.Db, admin.Id, org);
        var client = await TestUsers.SignedInClientAsync(f.Web, admin.Email!);

        var response = await client.PostAsJsonAsync("/api/v1/api-tokens", new { name = "x", role = (int)OrgRole.Owner, expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await CreateTokenAsync(client, OrgRole.Admin);
    }

    [Fact]
    public async Task AuditExport_IsCsv_WithFormulaGuard()
    {
        var (owner, _) = await OwnerAsync();
        await CreateTokenAsync(owner, OrgRole.Member);
        var response = await owner.GetAsync("/api/v1/audit-events/export.csv?action=token.");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("id,at,action,actor,target,detail,ip_address", csv, StringComparison.Ordinal);
        Assert.Contains("token.created", csv, StringComparison.Ordinal);

        var filtered = await owner.GetStringAsync("/api/v1/audit-events?action=token.&pageSize=5");
        Assert.Contains("token.created", filtered, StringComparison.Ordinal);
        var backwards = await owner.GetAsync("/api/v1/audit-events/export.csv?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Equal("application/problem+json", backwards.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("=cmd()", "'=cmd()")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=1,2", "\"'=1,2\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    public void CsvCell_QuotesAndDefusesFormulas(string value, string expected) => Assert.Equal(expected, Csv.Cell(value));

    [Fact]
    public async Task OpenApiDocument_IsAnonymous_AndDescribesTheApi()
    {
        var client = f.Web.Browserless();
        var response = await client.GetAsync("/api/v1/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await response.Content.ReadAsStringAsync();
        Assert.Contains("/api/v1/audit-events", doc, StringComparison.Ordinal);
        Assert.Contains("/api/v1/api-tokens", doc, StringComparison.Ordinal);
        Assert.DoesNotContain("/Account", doc, StringComparison.Ordinal);
        Assert.Contains("\"bearer\"", doc, StringComparison.Ordinal); // the token scheme is declared
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync("/api/reference")).StatusCode); // to the trailing-slash form
        var reference = await client.GetAsync("/api/reference/");
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        var html = await reference.Content.ReadAsStringAsync();
        Assert.Contains("openapi.json", html, StringComparison.Ordinal);
        // The page's inline boot script runs under the strict CSP through a per-request nonce only.
        var csp = string.Join(" ", reference.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains($"nonce=\"{nonce}\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_TokensForAdmins_AuditExportLinkUsesTheApi()
    {
        var (owner, _) = await OwnerAsync();
        var tokensPage = await owner.GetStringAsync("/settings/api-tokens");
        Assert.Contains("token-create", tokensPage, StringComparison.Ordinal);
        var auditPage = await owner.GetStringAsync("/audit");
        Assert.Contains("/api/v1/audit-events/export.csv", auditPage, StringComparison.Ordinal);

        var member = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (member.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, member.Id, org);
        var memberClient = await TestUsers.SignedInClientAsync(f.Web, member.Email!);
        // Refused at the route (PageAccess): 403 with the access-denied page, nothing of either page rendered.
        foreach (var (path, marker) in new[] { ("/settings/api-tokens", "token-create"), ("/audit", "export.csv") })
        {
            using var refused = await memberClient.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.DoesNotContain(marker, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Anonymous_Api_Is401_NotARedirect()
    {
        var response = await f.Web.Browserless().GetAsync("/api/v1/organization");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        var delete = await f.Web.Browserless().DeleteAsync($"/api/v1/api-tokens/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
        Assert.Equal("application/problem+json", delete.Content.Headers.ContentType?.MediaType);
    }
}
