using System.Text.RegularExpressions;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Hosting;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OtpNet;

namespace KubeHardenPortal.Web.Tests.Browser;

/// <summary>End-to-end journeys in a real browser; they also record screenshots of the main pages.</summary>
[Collection(PortalCollection.Name)]
public sealed class PortalJourneyTests(PortalFixture f) : IAsyncLifetime
{
    private BrowserSession _session = null!;

    public async Task InitializeAsync() => _session = await BrowserSession.StartAsync(f.Db.AppConnectionString);

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task SignUp_CreateOrganization_EnrolTotp_SignOut_SignInWithMfa()
    {
        var email = $"journey-{Guid.NewGuid():N}"[..20] + "@example.org";
        const string password = "Journey-Password-2026";
        var page = await _session.NewPageAsync();

        // Sign up and confirm (Development shows the emailed link on the page).
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#name", "Jordan Journey");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.FillAsync("#confirm", password);
        await BrowserSession.ScreenshotAsync(page, "01-sign-up");
        await page.ClickAsync("#register-submit");
        await page.WaitForURLAsync(new Regex("RegisterConfirmation"));
        await BrowserSession.ScreenshotAsync(page, "02-check-your-email");
        await page.ClickAsync("#dev-link");
        await page.Locator("text=Email confirmed").WaitForAsync();
        await page.ClickAsync("#continue-signin");

        await SignInWithPasswordAsync(page, email, password);
        await page.WaitForURLAsync(new Regex("/$"));
        await BrowserSession.WaitInteractiveAsync(page);
        await page.Locator("#khp-create-org").WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "03-first-sign-in-create-organization");

        // Create an organization: the creator becomes its Owner.
        await page.ClickAsync("#khp-create-org");
        await page.WaitForURLAsync(new Regex("/organizations/new"));
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByLabel("Organization name").FillAsync("Journey Labs");
        await BrowserSession.ScreenshotAsync(page, "04-create-organization");
        await page.ClickAsync("#create-org-submit");
        await page.WaitForURLAsync(new Regex("welcome=1"));
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#khp-org-switcher")).ToContainTextAsync("Journey Labs");
        await Assertions.Expect(page.Locator(".khp-stat").Last).ToContainTextAsync("Owner");
        await BrowserSession.ScreenshotAsync(page, "05-dashboard-new-organization");

        // Enrol TOTP: the code is computed from the shared key the page shows.
        await page.GotoAsync("/Account/Manage/TwoFactorAuthentication");
        await BrowserSession.ScreenshotAsync(page, "06-two-factor-off");
        await page.ClickAsync("#enable-authenticator");
        var key = (await page.Locator("#shared-key").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var totp = new Totp(Base32Encoding.ToBytes(key));
        await BrowserSession.ScreenshotAsync(page, "07-enable-authenticator");
        var firstStep = CurrentStep();
        await page.FillAsync("#code", totp.ComputeTotp());
        await page.ClickAsync("#verify-code");
        await page.Locator("#recovery-codes").WaitForAsync();
        Assert.Equal(10, await page.Locator("#recovery-codes code").CountAsync());
        await BrowserSession.ScreenshotAsync(page, "08-recovery-codes");

        // Sign out from the user menu.
        await page.GotoAsync("/");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.ClickAsync("#khp-user-menu");
        await page.ClickAsync("#khp-signout");
        await page.WaitForURLAsync(new Regex("signedOut=true"));

        // Sign in again: password, then the authenticator code (a fresh time step, so the code is never reused).
        await SignInWithPasswordAsync(page, email, password);
        await page.WaitForURLAsync(new Regex("LoginWith2fa"));
        await BrowserSession.ScreenshotAsync(page, "09-sign-in-mfa-challenge");
        while (CurrentStep() == firstStep)
        {
            await Task.Delay(500);
        }

        await page.FillAsync("#code", totp.ComputeTotp());
        await page.ClickAsync("#mfa-submit");
        await page.WaitForURLAsync(new Regex("/$"));
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Dashboard");
        await Assertions.Expect(page.Locator("#khp-org-switcher")).ToContainTextAsync("Journey Labs");
        Assert.True(_session.ConsoleErrors.Count == 0, string.Join("\n", _session.ConsoleErrors));
    }

    [Fact]
    public async Task DemoOrganization_MainPages_RenderAndDarkModePersists()
    {
        await using (var scope = _session.Web.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(TextWriter.Null, CancellationToken.None);
        }

        var (email, _, _, password) = DemoSeeder.Users[0];
        var page = await _session.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await BrowserSession.ScreenshotAsync(page, "10-sign-in");
        await SignInWithPasswordAsync(page, email, password);
        await page.WaitForURLAsync(new Regex("/$"));

        foreach (var (path, name, heading) in new[]
                 {
                     ("/", "11-dashboard", "Dashboard"),
                     ("/teams", "12-teams", "Teams"),
                     ("/members", "12b-members", "Members"),
                     ("/settings", "13-settings", "Settings"),
                     ("/audit", "14-audit-log", "Audit log"),
                     ("/clusters", "15-clusters-coming-soon", "Clusters"),
                     ("/findings", "16-findings-coming-soon", "Findings"),
                 })
        {
            await page.GotoAsync(path);
            await BrowserSession.WaitInteractiveAsync(page);
            await Assertions.Expect(page.Locator("h1")).ToContainTextAsync(heading);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await BrowserSession.ScreenshotAsync(page, name);
        }

        await page.GotoAsync("/teams");
        await Assertions.Expect(page.Locator(".khp-card-fill")).ToHaveCountAsync(2);

        // Organization switcher.
        await page.GotoAsync("/");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.ClickAsync("#khp-org-switcher");
        await page.Locator("text=Create organization").WaitForAsync();
        await page.WaitForTimeoutAsync(400); // the popover fades in
        await BrowserSession.ScreenshotAsync(page, "17-organization-switcher");
        await page.Keyboard.PressAsync("Escape");

        // Dark mode: toggled in the app bar, kept across a reload (cookie read by the server render).
        await page.ClickAsync("#khp-theme-toggle");
        await Assertions.Expect(page.Locator("body")).ToHaveClassAsync(new Regex("khp-dark"));
        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("body")).ToHaveClassAsync(new Regex("khp-dark"));
        await BrowserSession.ScreenshotAsync(page, "18-dashboard-dark");
        await page.GotoAsync("/Account/Manage/TwoFactorAuthentication");
        await BrowserSession.ScreenshotAsync(page, "19-account-security-dark");

        // Responsive: a phone-sized viewport.
        var phone = await _session.NewPageAsync(390, 844);
        await phone.GotoAsync("/Account/Login");
        await SignInWithPasswordAsync(phone, email, password);
        await phone.WaitForURLAsync(new Regex("/$"));
        await BrowserSession.WaitInteractiveAsync(phone);
        await BrowserSession.ScreenshotAsync(phone, "20-dashboard-phone");

        // The organization now requires MFA for Owners and Admins: the Admin (no authenticator yet) is stopped.
        await using (var owner = f.Db.OwnerContext())
        {
            var org = owner.Organizations.Single(o => o.Slug == "acme-platform");
            org.RequireMfaForAdmins = true;
            await owner.SaveChangesAsync();
        }

        var admin = await _session.NewPageAsync();
        await admin.GotoAsync("/Account/Login");
        await SignInWithPasswordAsync(admin, DemoSeeder.Users[1].Email, DemoSeeder.Users[1].Password);
        await admin.WaitForURLAsync(new Regex("/$"));
        await BrowserSession.WaitInteractiveAsync(admin);
        await admin.Locator("#khp-enrol-mfa").WaitForAsync();
        await Assertions.Expect(admin.Locator("h1")).ToHaveCountAsync(0); // no page content behind the gate
        await BrowserSession.ScreenshotAsync(admin, "21-mfa-required-for-admins");
        Assert.True(_session.ConsoleErrors.Count == 0, string.Join("\n", _session.ConsoleErrors));
    }

    [Fact]
    public async Task Owner_InvitesByLink_InviteeAcceptsAndJoins()
    {
        var owner = await TestUsers.CreateAsync(_session.Web);
        var invitee = await TestUsers.CreateAsync(_session.Web);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (owner.Id, OrgRole.Owner));
        await TestUsers.SelectAsync(f.Db, owner.Id, org);

        // The Owner creates an invitation; the link is shown once.
        var page = await _session.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await SignInWithPasswordAsync(page, owner.Email!, TestUsers.Password);
        await page.WaitForURLAsync(new Regex("/$"));
        await page.GotoAsync("/members");
        await BrowserSession.WaitInteractiveAsync(page);
        await page.GetByLabel("E-mail address").FillAsync(invitee.Email!);
        await page.ClickAsync("#invite-submit");
        var link = (await page.Locator("#invite-link").InnerTextAsync()).Trim();
        Assert.Contains("/invitations/accept?org=", link, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#invitations-table")).ToContainTextAsync(invitee.Email!);
        await BrowserSession.ScreenshotAsync(page, "22-members-invitation-link");

        // The invitee signs in, opens the link and joins with the role.
        var guest = await _session.NewPageAsync();
        await guest.GotoAsync("/Account/Login");
        await SignInWithPasswordAsync(guest, invitee.Email!, TestUsers.Password);
        await guest.WaitForURLAsync(new Regex("/$"));
        await guest.GotoAsync(link);
        await BrowserSession.WaitInteractiveAsync(guest);
        await BrowserSession.ScreenshotAsync(guest, "23-accept-invitation");
        await guest.ClickAsync("#invite-accept");
        await guest.WaitForURLAsync(new Regex("/$"));
        await BrowserSession.WaitInteractiveAsync(guest);
        await Assertions.Expect(guest.Locator("h1")).ToContainTextAsync("Dashboard");

        // Single use: the same link now says so.
        await guest.GotoAsync(link);
        await BrowserSession.WaitInteractiveAsync(guest);
        await guest.ClickAsync("#invite-accept");
        await Assertions.Expect(guest.Locator("#invite-error")).ToContainTextAsync("already");

        await page.ReloadAsync();
        await BrowserSession.WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#members-table")).ToContainTextAsync(invitee.Email!);
        Assert.True(_session.ConsoleErrors.Count == 0, string.Join("\n", _session.ConsoleErrors));
    }

    private static long CurrentStep() => TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() / 30;

    private static async Task SignInWithPasswordAsync(IPage page, string email, string password)
    {
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#signin-submit");
    }
}
