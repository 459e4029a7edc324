using System.Text.RegularExpressions;
using KubeHardenPortal.Data.Audit;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KubeHardenPortal.Web.Tests.Browser;

/// <summary>Route-level page access, API tokens, the audit log's filters and export, and the API reference, in a real browser.</summary>
[Collection(PortalCollection.Name)]
public sealed class AccessAndApiBrowserTests(PortalFixture f) : IAsyncLifetime
{
    private static readonly string[] AdminPages = ["/members", "/audit", "/settings", "/settings/api-tokens"];

    private BrowserSession _session = null!;

    public async Task InitializeAsync() => _session = await BrowserSession.StartAsync(f.Db.AppConnectionString);

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task Member_IsRefusedEveryAdminPage_ByUrlAndInTheApp_AndAdminApisAnswer403()
    {
        var owner = await TestUsers.CreateAsync(_session.Web);
        var member = await TestUsers.CreateAsync(_session.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner), (member.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, member.Id, org);
        var page = await SignInAsync(member.Email!);

        // The navigation offers only what the member may open.
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator(".khp-nav a[href='/teams']")).ToHaveCountAsync(1);
        foreach (var path in AdminPages)
        {
            await Assertions.Expect(page.Locator($".khp-nav a[href='{path}']")).ToHaveCountAsync(0);
        }

        await BrowserSession.ScreenshotAsync(page, "24-member-navigation");

        // Typed into the address bar: the server refuses before rendering: 403 with the access-denied page, address kept.
        foreach (var path in AdminPages)
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(403, response?.Status);
            Assert.EndsWith(path, page.Url, StringComparison.Ordinal);
            await Assertions.Expect(page.Locator("text=Your account does not have access to that page.")).ToBeVisibleAsync();
        }

        // Chromium logs every 4xx document as a console error; these four are the refusals asserted above.
        lock (_session.ConsoleErrors)
        {
            _session.ConsoleErrors.RemoveAll(e => AdminPages.Any(p => e.StartsWith(_session.BaseUrl + p + ": ", StringComparison.Ordinal))
                && e.EndsWith("the server responded with a status of 403 (Forbidden)", StringComparison.Ordinal));
        }

        await BrowserSession.ScreenshotAsync(page, "25-member-access-denied-by-url");

        // Navigating inside the running app: the router's AuthorizeRouteView shows the refusal, no page content.
        // The router enables link interception just after its first interactive render: give it a moment, then mark
        // the document so a silent full reload (a server redirect instead of the router) would fail the test.
        await page.GotoAsync("/");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.WaitForTimeoutAsync(1000);
        await page.EvaluateAsync("() => { window.khpSameDocument = true; }");
        foreach (var path in AdminPages)
        {
            await page.EvaluateAsync("path => Blazor.navigateTo(path)", path);
            await page.WaitForURLAsync(new Regex(Regex.Escape(path) + "$"));
            await Assertions.Expect(page.Locator("text=You don't have access to this page")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("h1")).ToHaveCountAsync(0);
            if (path == "/audit")
            {
                await BrowserSession.ScreenshotAsync(page, "26-member-access-denied-in-app");
            }

            await page.EvaluateAsync("() => Blazor.navigateTo('/')");
            await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Dashboard");
        }

        Assert.True(await page.EvaluateAsync<bool>("() => window.khpSameDocument === true"), "the in-app navigation reloaded the page");

        // The member's own cookie on admin APIs: 403 problem responses.
        foreach (var (method, path) in new[] { ("GET", "/api/v1/audit-events"), ("GET", "/api/v1/members"), ("GET", "/api/v1/api-tokens"),
                                               ("POST", "/api/v1/api-tokens") })
        {
            var response = await page.APIRequest.FetchAsync(path, new()
            {
                Method = method,
                DataObject = method == "POST" ? new { name = "sneaky", role = (int)OrgRole.Member, expiresInDays = 1 } : null,
            });
            Assert.True(response.Status == 403, $"{method} {path}: {response.Status}");
            Assert.Equal("application/problem+json", response.Headers["content-type"].Split(';')[0]);
        }

        Assert.True(_session.ConsoleErrors.Count == 0, string.Join("\n", _session.ConsoleErrors));
    }

    [Fact]
    public async Task Admin_CreatesTokenShownOnce_UsesIt_RevokesIt_ThenItIs401()
    {
        var owner = await TestUsers.CreateAsync(_session.Web);
        var admin = await TestUsers.CreateAsync(_session.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner), (admin.Id, OrgRole.Admin));
        await TestUsers.SelectAsync(f.Db, admin.Id, org);
        var page = await SignInAsync(admin.Email!);

        await page.GotoAsync("/settings/api-tokens");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.Locator("#token-name").FillAsync("ci pipeline");
        await page.ClickAsync("#token-create");
        var token = await page.Locator("#token-value").InputValueAsync();
        Assert.StartsWith("khp_", token, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator(".khp-table")).ToContainTextAsync("ci pipeline");
        await BrowserSession.ScreenshotAsync(page, "27-api-token-created-once");

        // Shown once: after a reload only the display prefix is left.
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#token-value")).ToHaveCountAsync(0);
        Assert.DoesNotContain(token, await page.ContentAsync(), StringComparison.Ordinal);

        await using var api = await _session.Playwright.APIRequest.NewContextAsync(new()
        {
            BaseURL = _session.BaseUrl,
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        var before = await api.GetAsync("/api/v1/organization");
        Assert.Equal(200, before.Status);
        Assert.Contains(org.ToString(), await before.TextAsync(), StringComparison.OrdinalIgnoreCase);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.Locator(".khp-table")).ToContainTextAsync("Revoked");
        await BrowserSession.ScreenshotAsync(page, "28-api-token-revoked");

        var after = await api.GetAsync("/api/v1/organization");
        Assert.Equal(401, after.Status);
        Assert.True(_session.ConsoleErrors.Count == 0, string.Join("\n", _session.ConsoleErrors));
    }

    [Fact]
    public async Task AuditLog_FiltersByActionActorAndDate_ChangeTheRows_AndCsvDownloads()
    {
        var auditor = await TestUsers.CreateAsync(_session.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (auditor.Id, OrgRole.Auditor));
        await TestUsers.SelectAsync(f.Db, auditor.Id, org);
        await using (var db = f.Db.OwnerContext())
        {
            AuditEvent Event(string action, string actor, string at) => new()
            {
                TenantId = org, Action = action, ActorName = actor, At = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture),
                Detail = $"{action} by {actor}",
            };
            db.AuditEvents.AddRange(
                Event("token.created", "Ada Admin", "2025-01-10T09:00:00Z"),
                Event("token.revoked", "Ada Admin", "2025-03-20T09:00:00Z"),
                Event("member.role.changed", "Otto Owner", "2025-03-21T09:00:00Z"),
                Event("team.created", "Otto Owner", "2025-06-01T09:00:00Z"));
            await db.SaveChangesAsync();
        }

        var page = await SignInAsync(auditor.Email!);
        await page.GotoAsync("/audit");
        await BrowserSession.WaitInteractiveAsync(page);
        var rows = page.Locator(".khp-table tbody tr");
        await Assertions.Expect(rows.Filter(new() { HasText = "team.created" })).ToHaveCountAsync(1);
        var all = await rows.CountAsync();
        Assert.True(all >= 4, $"{all} rows");

        await page.GetByLabel("Action starts with").FillAsync("token.");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = "team.created" })).ToHaveCountAsync(0);

        await page.GetByLabel("Action starts with").FillAsync("");
        await page.GetByLabel("Actor").FillAsync("otto");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = "Ada Admin" })).ToHaveCountAsync(0);

        await page.GetByLabel("Actor").FillAsync("");
        await SetDateAsync(page, "From (UTC)", "2025-03-01");
        await Assertions.Expect(rows.Filter(new() { HasText = "token.created" })).ToHaveCountAsync(0);
        await SetDateAsync(page, "To (UTC, inclusive)", "2025-03-31");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = "token.revoked" })).ToHaveCountAsync(1);
        await Assertions.Expect(rows.Filter(new() { HasText = "member.role.changed" })).ToHaveCountAsync(1);
        await BrowserSession.ScreenshotAsync(page, "29-audit-log-filtered-by-date");

        // The export link carries the same filter and downloads with this session.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=audit-export]"));
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,at,action,actor,target,detail,ip_address", lines[0]);
        Assert.Equal(["member.role.changed", "token.revoked"], lines.Skip(1).Select(l => l.Split(',')[2]).Order(StringComparer.Ordinal));
        Assert.True(_session.ConsoleErrors.Count == 0, string.Join("\n", _session.ConsoleErrors));
    }

    [Fact]
    public async Task ApiReference_RendersItsOperations_WithoutCspViolationsOrExternalRequests()
    {
        var page = await _session.NewPageAsync();
        var violations = new List<string>();
        var external = new List<string>();
        await page.ExposeFunctionAsync("khpCspViolation", (string v) => { lock (violations) { violations.Add(v); } });
        await page.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => window.khpCspViolation("
            + "`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`));");
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(_session.BaseUrl, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal)
                && !request.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                lock (external) { external.Add(request.Url); }
            }
        };

        await page.GotoAsync("/api/reference/");
        var sidebar = page.GetByRole(AriaRole.Complementary);
        await Assertions.Expect(sidebar.GetByRole(AriaRole.Link, new() { Name = "/api/v1/organization HTTP Method: GET" })).ToBeVisibleAsync();

        // Scalar renders a tag's operations when its sidebar group opens: open each and expect every operation.
        foreach (var (tag, operations) in new (string, string[])[]
                 {
                     ("Members", ["/api/v1/members HTTP Method: GET"]),
                     ("Teams", ["/api/v1/teams HTTP Method: GET"]),
                     ("Audit log", ["/api/v1/audit-events HTTP Method: GET", "/api/v1/audit-events/export.csv HTTP Method: GET"]),
                     ("API tokens", ["/api/v1/api-tokens HTTP Method: GET", "/api/v1/api-tokens HTTP Method: POST",
                                     "/api/v1/api-tokens/{id} HTTP Method: DEL"]),
                 })
        {
            await sidebar.GetByRole(AriaRole.Button, new() { Name = "Open Group - " + tag, Exact = true }).ClickAsync();
            foreach (var operation in operations)
            {
                await Assertions.Expect(sidebar.GetByRole(AriaRole.Link, new() { Name = operation })).ToBeVisibleAsync();
            }
        }

        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await BrowserSession.ScreenshotAsync(page, "30-api-reference");
        Assert.True(violations.Count == 0, "CSP violations: " + string.Join("\n", violations));
        Assert.True(external.Count == 0, "external requests: " + string.Join("\n", external));
        Assert.True(_session.ConsoleErrors.Count == 0, string.Join("\n", _session.ConsoleErrors));
    }

    private async Task<IPage> SignInAsync(string email)
    {
        var page = await _session.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", TestUsers.Password);
        await page.ClickAsync("#signin-submit");
        await page.WaitForURLAsync(new Regex("/$"));
        return page;
    }

    /// <summary>Types an ISO date into an editable MudDatePicker and commits it (Enter), as a keyboard user would.</summary>
    private static async Task SetDateAsync(IPage page, string label, string date)
    {
        var input = page.GetByLabel(label);
        await input.FillAsync(date);
        await input.PressAsync("Tab");
    }
}
