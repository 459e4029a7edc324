using System.Net;
using System.Text.RegularExpressions;
using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Account;

/// <summary>
/// Sign-up, password reset, resend-confirmation and sign-in answer the same whether or not an address is registered;
/// the owner of a registered address gets a notice by e-mail instead. Compared as a browser sees them (status, redirect,
/// page text) with links hidden, as in production; the development outbox shows what would have been sent.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class AccountEnumerationTests(PortalFixture f) : IAsyncLifetime
{
    private PortalWebFactory _noLinks = null!;

    public Task InitializeAsync()
    {
        _noLinks = new PortalWebFactory(f.Db.AppConnectionString, settings: new Dictionary<string, string?> { ["Email:ShowLinksOnPage"] = "false" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _noLinks.DisposeAsync();

    private DevelopmentOutbox Outbox => f.Web.Services.GetRequiredService<DevelopmentOutbox>();

    [Fact]
    public async Task SignUp_WithARegisteredAddress_AnswersLikeANewOne_MailsANotice_AndChangesNothing()
    {
        var existing = await TestUsers.CreateAsync(f.Web);
        var hashBefore = await PasswordHashAsync(existing.Id);
        var fresh = $"fresh-{Guid.NewGuid():N}@example.org";

        var forExisting = await RegisterAsync(f.Web, existing.Email!, "Someone Else", "Another-Password-77");
        var forNew = await RegisterAsync(f.Web, fresh, "Nina New", "Another-Password-77");
        Assert.Equal(forNew.StatusCode, forExisting.StatusCode);
        Assert.Equal(Normalize(Forms.LocationPath(forNew), fresh), Normalize(Forms.LocationPath(forExisting), existing.Email!));

        Assert.Equal(PortalEmailSender.AccountExistsKind, Outbox.Last(existing.Email!)?.Kind);
        Assert.Equal("confirm-email", Outbox.Last(fresh)?.Kind);
        await using var db = f.Db.OwnerContext();
        Assert.Equal(1, await db.Users.CountAsync(u => u.NormalizedEmail == existing.Email!.ToUpperInvariant()));
        Assert.Equal(hashBefore, await PasswordHashAsync(existing.Id));
        Assert.Equal(existing.DisplayName, (await db.Users.SingleAsync(u => u.Id == existing.Id)).DisplayName);
        await TestUsers.SignedInClientAsync(f.Web, existing.Email!); // the old password still works
    }

    [Fact]
    public async Task SignUp_PagesAndErrors_AreIdentical_ForRegisteredAndNewAddresses()
    {
        var existing = await TestUsers.CreateAsync(_noLinks);
        var fresh = $"fresh-{Guid.NewGuid():N}@example.org";

        // A password that breaks the rules: the same error, never "already taken".
        var weakExisting = await RegisterAsync(_noLinks, existing.Email!, "X", "alllowercase-no-digits");
        var weakNew = await RegisterAsync(_noLinks, fresh, "X", "alllowercase-no-digits");
        Assert.Equal(HttpStatusCode.OK, weakExisting.StatusCode);
        var weakExistingPage = Normalize(await weakExisting.Content.ReadAsStringAsync(), existing.Email!);
        Assert.Equal(Normalize(await weakNew.Content.ReadAsStringAsync(), fresh), weakExistingPage);
        Assert.DoesNotContain("taken", weakExistingPage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Error:", weakExistingPage, StringComparison.Ordinal);

        // A valid sign-up: the same redirect and the same "check your e-mail" page.
        var client = _noLinks.Browserless();
        var okExisting = await RegisterAsync(_noLinks, existing.Email!, "X", "Another-Password-77");
        var okNew = await RegisterAsync(_noLinks, fresh, "X", "Another-Password-77");
        var existingPage = await client.GetStringAsync(Forms.LocationPath(okExisting));
        var newPage = await client.GetStringAsync(Forms.LocationPath(okNew));
        Assert.Equal(Normalize(newPage, fresh), Normalize(existingPage, existing.Email!));
        Assert.Contains("Check your email", existingPage, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sign-up does the same password work whether or not the address is registered: one hash through the configured
    /// IPasswordHasher, no verification (counted, not timed), and the same answer.
    /// </summary>
    [Fact]
    public async Task SignUp_HashesThePasswordOnce_ForRegisteredAndNewAddresses()
    {
        var hasher = new CountingPasswordHasher();
        await using var web = _noLinks.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPasswordHasher<PortalUser>>(hasher)));
        var existing = await TestUsers.CreateAsync(_noLinks);
        var fresh = $"fresh-{Guid.NewGuid():N}@example.org";

        async Task<(string Location, string[] Calls)> SignUpAsync(string email)
        {
            var client = web.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
            var calls = hasher.Calls.Count;
            var response = await Forms.SubmitAsync(client, "/Account/Register", "register", new Dictionary<string, string>
            {
                ["Input.DisplayName"] = "X",
                ["Input.Email"] = email,
                ["Input.Password"] = "Another-Password-77",
                ["Input.ConfirmPassword"] = "Another-Password-77",
            });
            return (Normalize(Forms.LocationPath(response), email), hasher.Calls.Skip(calls).ToArray());
        }

        var forExisting = await SignUpAsync(existing.Email!);
        var forNew = await SignUpAsync(fresh);
        Assert.Equal(forNew.Location, forExisting.Location);
        Assert.Equal(["hash"], forNew.Calls);
        Assert.Equal(forNew.Calls, forExisting.Calls);
        await using var db = f.Db.OwnerContext();
        Assert.Equal(1, await db.Users.CountAsync(u => u.NormalizedEmail == existing.Email!.ToUpperInvariant()));
    }

    [Fact]
    public async Task ForgotPassword_AnswersTheSame_ForRegisteredUnconfirmedAndUnknownAddresses()
    {
        var confirmed = await TestUsers.CreateAsync(f.Web);
        var unconfirmed = await TestUsers.CreateAsync(f.Web, $"unconfirmed-{Guid.NewGuid():N}@example.org", confirmed: false);
        var unknown = $"unknown-{Guid.NewGuid():N}@example.org";

        var pages = new List<string>();
        foreach (var email in new[] { confirmed.Email!, unconfirmed.Email!, unknown })
        {
            var client = _noLinks.Browserless();
            var response = await Forms.SubmitAsync(client, "/Account/ForgotPassword", "forgot-password",
                new Dictionary<string, string> { ["Input.Email"] = email });
            var location = Forms.LocationPath(response);
            pages.Add(Normalize(location, email) + "\n" + Normalize(await client.GetStringAsync(location), email));
        }

        Assert.Single(pages.Distinct());

        // With the outbox visible: only the confirmed account gets a reset link.
        foreach (var email in new[] { confirmed.Email!, unconfirmed.Email!, unknown })
        {
            await Forms.SubmitAsync(f.Web.Browserless(), "/Account/ForgotPassword", "forgot-password",
                new Dictionary<string, string> { ["Input.Email"] = email });
        }

        Assert.Equal("reset-password", Outbox.Last(confirmed.Email!)?.Kind);
        Assert.Null(Outbox.Last(unconfirmed.Email!));
        Assert.Null(Outbox.Last(unknown));
    }

    [Fact]
    public async Task ResendConfirmation_AnswersTheSame_ForUnconfirmedConfirmedAndUnknownAddresses()
    {
        var confirmed = await TestUsers.CreateAsync(f.Web);
        var unconfirmed = await TestUsers.CreateAsync(f.Web, $"unconfirmed-{Guid.NewGuid():N}@example.org", confirmed: false);
        var unknown = $"unknown-{Guid.NewGuid():N}@example.org";

        var pages = new List<string>();
        foreach (var email in new[] { unconfirmed.Email!, confirmed.Email!, unknown })
        {
            var response = await Forms.SubmitAsync(_noLinks.Browserless(), "/Account/ResendEmailConfirmation", "resend-email-confirmation",
                new Dictionary<string, string> { ["Input.Email"] = email });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            pages.Add(Normalize(await response.Content.ReadAsStringAsync(), email));
        }

        Assert.Single(pages.Distinct());
        Assert.Contains("If an unconfirmed account exists", pages[0], StringComparison.Ordinal);

        foreach (var email in new[] { unconfirmed.Email!, confirmed.Email!, unknown })
        {
            await Forms.SubmitAsync(f.Web.Browserless(), "/Account/ResendEmailConfirmation", "resend-email-confirmation",
                new Dictionary<string, string> { ["Input.Email"] = email });
        }

        Assert.Equal("confirm-email", Outbox.Last(unconfirmed.Email!)?.Kind);
        Assert.Null(Outbox.Last(confirmed.Email!));
        Assert.Null(Outbox.Last(unknown));
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_DoesNotRevealAnUnconfirmedAccount()
    {
        var unconfirmed = await TestUsers.CreateAsync(_noLinks, $"unconfirmed-{Guid.NewGuid():N}@example.org", confirmed: false);
        var unknown = $"unknown-{Guid.NewGuid():N}@example.org";

        var forUnconfirmed = await SignInAsync(unconfirmed.Email!, "Wrong-Password-123");
        var forUnknown = await SignInAsync(unknown, "Wrong-Password-123");
        Assert.Equal(Normalize(forUnknown, unknown), Normalize(forUnconfirmed, unconfirmed.Email!));
        Assert.DoesNotContain("confirm your email", forUnconfirmed, StringComparison.Ordinal);

        // The right password is told to confirm first, and the wrong attempt counted toward lockout.
        Assert.Contains("confirm your email", await SignInAsync(unconfirmed.Email!, TestUsers.Password), StringComparison.Ordinal);
        using var scope = _noLinks.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        Assert.Equal(1, await users.GetAccessFailedCountAsync((await users.FindByIdAsync(unconfirmed.Id.ToString()))!));
    }

    /// <summary>
    /// A locked-out account answers exactly like an address nobody registered (same status, no redirect, same page and
    /// message), with the wrong password and with the right one; the lockout itself still holds and is audited.
    /// </summary>
    [Fact]
    public async Task SignIn_ToALockedOutAccount_AnswersLikeAnUnknownAddress_AndTheLockoutIsAudited()
    {
        var locked = await TestUsers.CreateAsync(_noLinks);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (locked.Id, OrgRole.Member)); // account events are audited there
        await TestUsers.SelectAsync(f.Db, locked.Id, org);
        var unknown = $"unknown-{Guid.NewGuid():N}@example.org";
        for (var i = 0; i < 5; i++)
        {
            await SubmitSignInAsync(locked.Email!, "Wrong-Password-123");
        }

        using (var scope = _noLinks.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True(await users.IsLockedOutAsync((await users.FindByIdAsync(locked.Id.ToString()))!));
        }

        var forUnknown = await SubmitSignInAsync(unknown, "Wrong-Password-123");
        var unknownPage = Normalize(await forUnknown.Content.ReadAsStringAsync(), unknown);
        Assert.Contains("Invalid sign-in attempt. If you have an account, it may be temporarily locked after repeated failures.",
            unknownPage, StringComparison.Ordinal);
        foreach (var password in new[] { "Wrong-Password-123", TestUsers.Password })
        {
            var forLocked = await SubmitSignInAsync(locked.Email!, password);
            Assert.Equal(forUnknown.StatusCode, forLocked.StatusCode);
            Assert.Null(forLocked.Headers.Location);
            Assert.Equal(unknownPage, Normalize(await forLocked.Content.ReadAsStringAsync(), locked.Email!));
            Assert.DoesNotContain(forLocked.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [],
                c => c.StartsWith("khp.auth=", StringComparison.Ordinal));
        }

        await using var db = f.Db.OwnerContext();
        Assert.Contains(await db.AuditEvents.IgnoreQueryFilters().Where(e => e.TenantId == org && e.ActorUserId == locked.Id)
            .Select(e => e.Action).ToListAsync(), a => a == "auth.lockout");
    }

    private async Task<HttpResponseMessage> SubmitSignInAsync(string email, string password) =>
        await Forms.SubmitAsync(_noLinks.Browserless(), "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password });

    private async Task<string> SignInAsync(string email, string password)
    {
        var response = await Forms.SubmitAsync(_noLinks.Browserless(), "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static Task<HttpResponseMessage> RegisterAsync(PortalWebFactory web, string email, string name, string password) =>
        Forms.SubmitAsync(web.Browserless(), "/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.DisplayName"] = name,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });

    /// <summary>The real hasher, recording which of its methods ran.</summary>
    private sealed class CountingPasswordHasher : IPasswordHasher<PortalUser>
    {
        private readonly PasswordHasher<PortalUser> _inner = new();

        public System.Collections.Concurrent.ConcurrentQueue<string> Calls { get; } = new();

        public string HashPassword(PortalUser user, string password)
        {
            Calls.Enqueue("hash");
            return _inner.HashPassword(user, password);
        }

        public PasswordVerificationResult VerifyHashedPassword(PortalUser user, string hashedPassword, string providedPassword)
        {
            Calls.Enqueue("verify");
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    private async Task<string?> PasswordHashAsync(Guid userId)
    {
        await using var db = f.Db.OwnerContext();
        return await db.Users.Where(u => u.Id == userId).Select(u => u.PasswordHash).SingleAsync();
    }

    /// <summary>The page without what differs per request anyway (antiforgery tokens, nonces, encrypted component state) and the address.</summary>
    private static string Normalize(string text, string email)
    {
        text = text.Replace(email, "{email}", StringComparison.OrdinalIgnoreCase)
            .Replace(Uri.EscapeDataString(email), "{email}", StringComparison.OrdinalIgnoreCase)
            .Replace(System.Net.WebUtility.HtmlEncode(email), "{email}", StringComparison.OrdinalIgnoreCase);
        text = VerificationToken().Replace(text, "value=\"{af}\"");
        text = Nonce().Replace(text, "nonce=\"{n}\"");
        return BlazorMarker().Replace(text, "<!--Blazor-->");
    }

    [GeneratedRegex("value=\"CfDJ8[^\"]*\"")]
    private static partial Regex VerificationToken();

    [GeneratedRegex("nonce=\"[^\"]*\"")]
    private static partial Regex Nonce();

    // Component markers and the persisted component state are encrypted per request.
    [GeneratedRegex("<!--Blazor(-Server-Component-State)?:[^>]*-->")]
    private static partial Regex BlazorMarker();
}
