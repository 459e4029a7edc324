using System.Net.Http.Json;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.ApiTokens;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Api;

/// <summary>
/// PRODUCT.md §5: every endpoint of the app (from its EndpointDataSource), as every kind of caller, against an explicit
/// table. A new endpoint fails this test until it is added to the table.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PermissionMatrixTests(PortalFixture f)
{
    private static readonly string[] Callers = ["anonymous", "owner", "admin", "auditor", "member", "other-org owner"];

    private const string Login = "302>/Account/Login";
    private const string TwoFactor = "302>/Account/Manage/TwoFactorAuthentication";
    private const string Denied = "403"; // the access-denied page, rendered with the refusal's status (no redirect)
    private const string AccessDeniedText = "Your account does not have access to that page.";

    /// <summary>Expected outcome per caller, in the order of <see cref="Callers"/>. "302>/path" is a redirect there.</summary>
    private static readonly Dictionary<string, string[]> Expected = new(StringComparer.Ordinal)
    {
        // ----- operations
        ["GET /healthz"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /readyz"] = ["200", "200", "200", "200", "200", "200"],

        // ----- API v1 (PRODUCT.md §5): all members read the organization and their teams; Auditor+ read members and the
        // audit log (and export it); Owner/Admin manage tokens. The other organization's owner acts in their own
        // organization only (200 on its own data, 404 on this organization's token).
        ["GET /api/v1/organization/"] = ["401", "200", "200", "200", "200", "200"],
        ["GET /api/v1/members/"] = ["401", "200", "200", "200", "403", "200"],
        ["GET /api/v1/teams/"] = ["401", "200", "200", "200", "200", "200"],
        ["GET /api/v1/audit-events/"] = ["401", "200", "200", "200", "403", "200"],
        ["GET /api/v1/audit-events/export.csv"] = ["401", "200", "200", "200", "403", "200"],
        ["GET /api/v1/api-tokens/"] = ["401", "200", "200", "403", "403", "200"],
        ["POST /api/v1/api-tokens/"] = ["401", "201", "201", "403", "403", "201"],
        ["DELETE /api/v1/api-tokens/{id:guid}"] = ["401", "204", "204", "403", "403", "404"],

        // ----- API documentation: anonymous by design, shape only
        ["GET /api/v1/openapi.json"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /api/reference/{documentName?}"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /api/reference/scalar.js"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /api/reference/scalar.aspnetcore.js"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /api/reference/favicon.svg"] = ["200", "200", "200", "200", "200", "200"],

        // ----- session API used by the UI
        ["GET /api/organizations/"] = ["401", "200", "200", "200", "200", "200"],
        ["GET /api/organizations/current"] = ["401", "200", "200", "200", "200", "200"],
        ["GET /api/organizations/current/members"] = ["401", "200", "200", "200", "403", "200"],

        // ----- account form posts: without an antiforgery token nothing happens
        ["POST /Account/Logout"] = ["400", "400", "400", "400", "400", "400"],
        ["POST /Account/PerformExternalLogin"] = ["400", "400", "400", "400", "400", "400"],
        // Linking single sign-on needs a session first (sign-in for anonymous callers).
        ["POST /Account/Manage/LinkExternalLogin"] = [Login, "400", "400", "400", "400", "400"],

        // ----- app pages: sign-in required; the organization gate renders in the page
        ["GET /"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /clusters"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /findings"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /tickets"] = [Login, "200", "200", "200", "200", "200"],
        // Route-level role policies (PageAccess), against the role in the selected organization; the same minimums as
        // the API: every member sees their teams, Auditor+ read members, the audit log and settings, Owner/Admin manage
        // tokens. A refused role gets 403 with the access-denied page, before anything of the refused page renders.
        ["GET /teams"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /audit"] = [Login, "200", "200", "200", Denied, "200"],
        ["GET /settings"] = [Login, "200", "200", "200", Denied, "200"],
        ["GET /settings/api-tokens"] = [Login, "200", "200", Denied, Denied, "200"],
        // Members: managed by Owner/Admin (controls hidden otherwise, rules in the handlers), read-only for Auditors.
        ["GET /members"] = [Login, "200", "200", "200", Denied, "200"],
        // Without a link's organization and token the page explains the link is invalid; joining happens only with both.
        ["GET /invitations/accept"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /organizations/new"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /Account/Manage"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /Account/Manage/ChangePassword"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /Account/Manage/EnableAuthenticator"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /Account/Manage/Disable2fa"] = [Login, "200", "200", "200", "200", "200"],
        // Without an authenticator there are no recovery codes to generate: back to the two-factor page.
        ["GET /Account/Manage/GenerateRecoveryCodes"] = [Login, TwoFactor, TwoFactor, TwoFactor, TwoFactor, TwoFactor],
        ["GET /Account/Manage/ResetAuthenticator"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /Account/Manage/TwoFactorAuthentication"] = [Login, "200", "200", "200", "200", "200"],
        ["GET /Account/Manage/ExternalLogins"] = [Login, "200", "200", "200", "200", "200"],

        // ----- public account pages
        ["GET /Account/Login"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/Register"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/ForgotPassword"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/ForgotPasswordConfirmation"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/ResendEmailConfirmation"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/RegisterConfirmation"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/ConfirmEmail"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/ResetPassword"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/LoginWith2fa"] = ["302", "302", "302", "302", "302", "302"],
        ["GET /Account/LoginWithRecoveryCode"] = ["302", "302", "302", "302", "302", "302"],
        ["GET /Account/ExternalLogin"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/Lockout"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /Account/AccessDenied"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /error"] = ["200", "200", "200", "200", "200", "200"],
        ["GET /not-found"] = ["200", "200", "200", "200", "200", "200"],
    };

    /// <summary>Framework plumbing that is not an application endpoint (Blazor's hub and redirect helper, static files).</summary>
    private static bool IsInfrastructure(string pattern) =>
        pattern.StartsWith("/_blazor", StringComparison.Ordinal) || pattern == "/_framework/opaque-redirect"
        || pattern == "{**path:file}"
        || (!pattern.StartsWith("/api/", StringComparison.Ordinal) && Path.HasExtension(pattern));

    private IReadOnlyList<(string Method, string Pattern, RouteEndpoint Endpoint)> AppEndpoints()
    {
        _ = f.Web.Server; // build the host
        var source = f.Web.Services.GetRequiredService<EndpointDataSource>();
        return source.Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/')))
            .Where(e => !IsInfrastructure(e.Pattern) && !IsInfrastructure(e.Endpoint.RoutePattern.RawText!))
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Where(m => m != "HEAD")
                // Pages also accept their own form posts; those are covered by the antiforgery tests.
                .Where(m => !(m == "POST" && e.Endpoint.Metadata.Any(x => x.GetType().Name == "ComponentTypeMetadata")))
                .Select(m => (m, e.Pattern, e.Endpoint)))
            .ToList();
    }

    /// <summary>API v1 as organization API tokens with the roles Owner, Admin, Auditor, Member (tokens never manage tokens).</summary>
    private static readonly Dictionary<string, string[]> ExpectedForTokens = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/organization/"] = ["200", "200", "200", "200"],
        ["GET /api/v1/members/"] = ["200", "200", "200", "403"],
        ["GET /api/v1/teams/"] = ["200", "200", "200", "200"],
        ["GET /api/v1/audit-events/"] = ["200", "200", "200", "403"],
        ["GET /api/v1/audit-events/export.csv"] = ["200", "200", "200", "403"],
        ["GET /api/v1/api-tokens/"] = ["403", "403", "403", "403"],
        ["POST /api/v1/api-tokens/"] = ["403", "403", "403", "403"],
        ["DELETE /api/v1/api-tokens/{id:guid}"] = ["403", "403", "403", "403"],
        ["GET /api/v1/openapi.json"] = ["200", "200", "200", "200"],
    };

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST" && path.StartsWith("/api/", StringComparison.Ordinal))
        {
            request.Content = JsonContent.Create(new { name = "matrix", role = (int)OrgRole.Member, expiresInDays = 1 });
        }
        else if (method == "POST")
        {
            request.Content = new FormUrlEncodedContent([]);
        }

        return await client.SendAsync(request);
    }

    private static (bool Ok, string Actual) Matches(HttpResponseMessage response, string expected)
    {
        var status = (int)response.StatusCode;
        var actual = status is >= 300 and < 400 ? $"302>{response.Headers.Location?.OriginalString}" : status.ToString();
        var ok = expected.StartsWith("302", StringComparison.Ordinal)
            ? status is >= 300 and < 400 && (expected == "302" || actual.StartsWith(expected, StringComparison.OrdinalIgnoreCase)
                || actual.StartsWith(expected.Replace(">", ">http://localhost", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
            : actual == expected;
        return (ok, actual);
    }

    /// <summary>
    /// The same endpoints as API tokens of every role: /api/v1 follows <see cref="ExpectedForTokens"/>; everywhere else a
    /// token is not a credential, so the caller is treated exactly like an anonymous one.
    /// </summary>
    [Fact]
    public async Task EveryEndpoint_AsTokensOfEveryRole_MatchesTheTable()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (owner.Id, OrgRole.Owner));
        await TestUsers.SelectAsync(f.Db, owner.Id, org);
        var ownerClient = await TestUsers.SignedInClientAsync(f.Web, owner.Email!);
        var json = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        var tokens = new List<CreatedApiToken>();
        foreach (var role in new[] { OrgRole.Owner, OrgRole.Admin, OrgRole.Auditor, OrgRole.Member })
        {
            var created = await ownerClient.PostAsJsonAsync("/api/v1/api-tokens", new { name = "matrix " + role, role = (int)role, expiresInDays = 1 });
            tokens.Add((await created.Content.ReadFromJsonAsync<CreatedApiToken>(json))!);
        }

        var clients = tokens.Select(t =>
        {
            var client = f.Web.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", t.Token);
            return client;
        }).ToList();

        var failures = new List<string>();
        foreach (var (method, pattern, _) in AppEndpoints().OrderBy(e => e.Pattern, StringComparer.Ordinal))
        {
            var key = $"{method} {pattern}";
            var expected = ExpectedForTokens.TryGetValue(key, out var forTokens) ? forTokens
                : pattern.StartsWith("/api/v1/", StringComparison.Ordinal) && !ExpectedForTokens.ContainsKey(key) ? null
                : Enumerable.Repeat(Expected[key][0], 4).ToArray();
            if (expected is null)
            {
                failures.Add($"{key}: not in the token table");
                continue;
            }

            var path = pattern.Replace("{id:guid}", tokens[3].Id.ToString(), StringComparison.Ordinal)
                .Replace("{documentName?}", "v1", StringComparison.Ordinal);
            for (var i = 0; i < clients.Count; i++)
            {
                using var response = await SendAsync(clients[i], method, path);
                var (ok, actual) = Matches(response, expected[i]);
                if (!ok)
                {
                    failures.Add($"{key} as {tokens[i].Role} token: expected {expected[i]}, got {actual}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void EveryEndpoint_IsInTheTable_AndTheTableHasNoStaleRows()
    {
        var keys = AppEndpoints().Select(e => $"{e.Method} {e.Pattern}").ToHashSet(StringComparer.Ordinal);
        Assert.Empty(keys.Except(Expected.Keys));
        Assert.Empty(Expected.Keys.Except(keys));
    }

    [Fact]
    public void EveryApiEndpoint_DeclaresItsAuthorization_AndOnlyTheDocumentationIsAnonymous()
    {
        var api = AppEndpoints().Where(e => e.Pattern.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.True(api.Count >= 10);
        foreach (var (method, pattern, endpoint) in api)
        {
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var authorize = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any();
            Assert.True(anonymous || authorize, $"{method} {pattern} has no authorization metadata");
            if (anonymous)
            {
                Assert.True(pattern == "/api/v1/openapi.json" || pattern.StartsWith("/api/reference/", StringComparison.Ordinal),
                    $"{method} {pattern} is anonymous");
            }
            else if (pattern.StartsWith("/api/v1/", StringComparison.Ordinal))
            {
                Assert.Contains(endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => a.Policy == "api");
                Assert.NotNull(endpoint.Metadata.GetMetadata<Web.Security.RequiredOrgRole>());
            }
        }
    }

    [Fact]
    public async Task EveryEndpoint_AsEveryCaller_MatchesTheTable()
    {
        var owner = await TestUsers.CreateAsync(f.Web);
        var admin = await TestUsers.CreateAsync(f.Web);
        var auditor = await TestUsers.CreateAsync(f.Web);
        var member = await TestUsers.CreateAsync(f.Web);
        var outsider = await TestUsers.CreateAsync(f.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false,
            (owner.Id, OrgRole.Owner), (admin.Id, OrgRole.Admin), (auditor.Id, OrgRole.Auditor), (member.Id, OrgRole.Member));
        var otherOrg = await TestUsers.CreateOrganizationAsync(f.Db, requireMfa: false, (outsider.Id, OrgRole.Owner));
        foreach (var u in new[] { owner, admin, auditor, member })
        {
            await TestUsers.SelectAsync(f.Db, u.Id, org);
        }

        await TestUsers.SelectAsync(f.Db, outsider.Id, otherOrg);
        string orgName;
        await using (var db = f.Db.OwnerContext())
        {
            orgName = (await db.Organizations.FindAsync(org))!.Name;
        }

        var clients = new List<HttpClient> { f.Web.Browserless() };
        foreach (var u in new[] { owner, admin, auditor, member, outsider })
        {
            clients.Add(await TestUsers.SignedInClientAsync(f.Web, u.Email!));
        }

        var created = await clients[1].PostAsJsonAsync("/api/v1/api-tokens", new { name = "matrix", role = (int)OrgRole.Member, expiresInDays = 1 });
        var tokenId = (await created.Content.ReadFromJsonAsync<CreatedApiToken>(
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)))!.Id;

        var failures = new List<string>();
        foreach (var (method, pattern, _) in AppEndpoints().OrderBy(e => e.Pattern, StringComparer.Ordinal))
        {
            var key = $"{method} {pattern}";
            if (!Expected.TryGetValue(key, out var expected))
            {
                failures.Add($"{key}: not in the table");
                continue;
            }

            var path = pattern.Replace("{id:guid}", tokenId.ToString(), StringComparison.Ordinal)
                .Replace("{documentName?}", "v1", StringComparison.Ordinal);
            for (var i = 0; i < Callers.Length; i++)
            {
                using var response = await SendAsync(clients[i], method, path);
                var (ok, actual) = Matches(response, expected[i]);
                var status = (int)response.StatusCode;
                if (!ok)
                {
                    failures.Add($"{key} as {Callers[i]}: expected {expected[i]}, got {actual}");
                }
                else if (expected[i] == Denied && !path.StartsWith("/api/", StringComparison.Ordinal)
                         && !(await response.Content.ReadAsStringAsync()).Contains(AccessDeniedText, StringComparison.Ordinal))
                {
                    failures.Add($"{key} as {Callers[i]}: 403 without the access-denied page");
                }

                // The other organization's owner never sees this organization's data.
                if (i == 5 && status == 200 && path.StartsWith("/api/", StringComparison.Ordinal))
                {
                    var body = await response.Content.ReadAsStringAsync();
                    if (body.Contains(org.ToString(), StringComparison.OrdinalIgnoreCase) || body.Contains(orgName, StringComparison.Ordinal)
                        || body.Contains(tokenId.ToString(), StringComparison.OrdinalIgnoreCase))
                    {
                        failures.Add($"{key} as {Callers[i]}: response contains the other organization's data");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
