using System.Text.RegularExpressions;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace KubeHardenPortal.Web.Tests.Browser;

/// <summary>
/// Single sign-on in a real browser: the portal on Kestrel wired to <see cref="FakeOpenIdProvider"/>, so the browser
/// itself follows the redirect to the provider, its auto-posting form_post page, and the callback.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class SsoBrowserTests(PortalFixture f) : IAsyncLifetime
{
    private SsoPortal _sso = null!;
    private BrowserSession _session = null!;

    public async Task InitializeAsync()
    {
        _sso = await SsoPortal.StartAsync(f.Db.AppConnectionString, onRealPort: true);
        _session = await BrowserSession.AttachAsync(_sso.Web);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _sso.DisposeAsync();
    }

    [Fact]
    public async Task LinkSsoUnderExternalLogins_SignOut_ThenContinueWithTheProvider_LandsOnTheDashboard()
    {
        var user = await TestUsers.CreateAsync(_sso.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (user.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, user.Id, org);
        _sso.Idp.Next = new NextSignIn($"sub-browser-{Guid.NewGuid():N}", user.Email!);
        var page = await _session.NewPageAsync();

        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#email", user.Email!);
        await page.FillAsync("#password", TestUsers.Password);
        await page.ClickAsync("#signin-submit");
        await page.WaitForURLAsync(new Regex("/$"));

        // Account → External logins → Link: a round trip through the provider, back to the same page.
        await page.GotoAsync("/Account/Manage/ExternalLogins");
        await page.ClickAsync("#link-sso");
        await page.WaitForURLAsync(new Regex("/Account/Manage/ExternalLogins$"));
        await Assertions.Expect(page.Locator("text=Single sign-on is linked")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#external-logins")).ToContainTextAsync("Fake IdP");
        await BrowserSession.ScreenshotAsync(page, "31-external-logins-linked");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("signedOut=true"));

        // Continue with the provider: it answers at once for the linked identity, and the portal opens the dashboard.
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue with Fake IdP" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("^" + Regex.Escape(_session.BaseUrl) + "/$"));
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Dashboard");
        await Assertions.Expect(page.Locator("#khp-org-switcher")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "32-dashboard-after-single-sign-on");

        Assert.Empty(_sso.Idp.ProtocolErrors);
        // Only the portal's pages count: Chromium also logs the fake provider's missing favicon while on its page.
        var portalErrors = _session.ConsoleErrors.Where(e => !e.StartsWith(_sso.Idp.Issuer + "/", StringComparison.Ordinal)).ToList();
        Assert.True(portalErrors.Count == 0, string.Join("\n", portalErrors));
    }
}
