using System.Net;
using System.Text.RegularExpressions;
using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeHardenPortal.Web.Tests.Account;

/// <summary>
/// The OpenID Connect round trip through the real pipeline: the SSO button's form post, the provider's authorize and
/// token endpoints (code + PKCE, over real HTTP), the OIDC handler's id_token validation, and the ExternalLogin page.
/// The client is cookie-keeping HttpClient on https://localhost, because the correlation and nonce cookies are Secure.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class SsoSignInTests(PortalFixture f)
{
    [Fact]
    public async Task FirstSignIn_CreatesAndLinksAConfirmedAccount_AndTheSecondReusesIt()
    {
        var sso = await f.SsoAsync();
        var (subject, email) = NewIdentity();
        sso.Idp.Next = new NextSignIn(subject, email);

        var first = sso.Web.Browserless("https://localhost");
        var landed = await SignInThroughProviderAsync(sso, first);
        Assert.Equal("/", Forms.LocationPath(landed));
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/organizations")).StatusCode);

        var user = await FindByLoginAsync(sso, subject);
        Assert.NotNull(user);
        Assert.Equal(email, user.Email);
        Assert.True(user.EmailConfirmed);

        var second = sso.Web.Browserless("https://localhost");
        Assert.Equal("/", Forms.LocationPath(await SignInThroughProviderAsync(sso, second)));
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/organizations")).StatusCode);
        Assert.Equal(user.Id, (await FindByLoginAsync(sso, subject))!.Id);
        await using var db = f.Db.OwnerContext();
        Assert.Equal(1, await db.Users.CountAsync(u => u.NormalizedEmail == email.ToUpperInvariant()));
        Assert.Empty(sso.Idp.ProtocolErrors);
    }

    [Fact]
    public async Task SsoSignIn_IsRecordedInTheAuditLog()
    {
        var sso = await f.SsoAsync();
        var (subject, email) = NewIdentity();
        sso.Idp.Next = new NextSignIn(subject, email);
        await SignInThroughProviderAsync(sso, sso.Web.Browserless("https://localhost"));
        var user = (await FindByLoginAsync(sso, subject))!;

        // Account events are audited in the organization the user works in, so give the new account one.
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (user.Id, OrgRole.Member));
        await TestUsers.SelectAsync(f.Db, user.Id, org);
        var client = sso.Web.Browserless("https://localhost");
        Assert.Equal("/", Forms.LocationPath(await SignInThroughProviderAsync(sso, client)));

        await using var db = f.Db.OwnerContext();
        var events = await db.AuditEvents.IgnoreQueryFilters().Where(e => e.TenantId == org && e.ActorUserId == user.Id).ToListAsync();
        var signIn = Assert.Single(events);
        Assert.Equal("auth.signin", signIn.Action);
        Assert.Equal("Single sign-on", signIn.Detail);
    }

    [Theory]
    [InlineData(IdTokenFault.WrongSignature, "SecurityTokenInvalidSignatureException")]
    [InlineData(IdTokenFault.WrongAudience, "SecurityTokenInvalidAudienceException")]
    [InlineData(IdTokenFault.Expired, "SecurityTokenExpiredException")]
    public async Task ABadIdToken_IsRefused_WithoutASessionOrAnAccount(IdTokenFault fault, string reason)
    {
        var sso = await f.SsoAsync();
        var (subject, email) = NewIdentity();
        sso.Idp.Next = new NextSignIn(subject, email, fault);
        var issued = sso.Idp.IdTokensIssued;
        sso.Log.Entries.Clear();

        var client = sso.Web.Browserless("https://localhost");
        var callback = await CallbackAsync(sso, client);
        Assert.Equal(issued + 1, sso.Idp.IdTokensIssued); // the token was really issued and then refused by the portal
        Assert.Contains(sso.Log.Entries, e => e.Level >= LogLevel.Error && e.Message.Contains(reason, StringComparison.Ordinal));
        var location = Forms.LocationPath(callback);
        Assert.StartsWith("/Account/ExternalLogin?RemoteError=", location, StringComparison.Ordinal);
        Assert.DoesNotContain(callback.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [],
            c => c.StartsWith("khp.auth=", StringComparison.Ordinal) || c.StartsWith("Identity.External=", StringComparison.Ordinal));

        var page = await client.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("the identity provider refused the sign-in", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/organizations")).StatusCode);
        Assert.Null(await FindByLoginAsync(sso, subject));
        await using var db = f.Db.OwnerContext();
        Assert.False(await db.Users.AnyAsync(u => u.NormalizedEmail == email.ToUpperInvariant()));
    }

    [Fact]
    public async Task FirstSignIn_WithTheEmailOfALocalAccount_IsRefusedWithAClearMessage_AndLinksNothing()
    {
        var sso = await f.SsoAsync();
        var (subject, email) = NewIdentity();
        var local = await TestUsers.CreateAsync(f.Web, email);
        sso.Idp.Next = new NextSignIn(subject, email);

        var client = sso.Web.Browserless("https://localhost");
        var refused = await SignInThroughProviderAsync(sso, client);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains("An account with this e-mail already exists. Sign in with your password, then link single sign-on under "
            + "Account → External logins.", page, StringComparison.Ordinal);
        Assert.Contains(refused.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [],
            c => c.StartsWith("Identity.External=;", StringComparison.Ordinal)); // the provider's answer is dropped

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/organizations")).StatusCode);
        Assert.Null(await FindByLoginAsync(sso, subject));
        await using var db = f.Db.OwnerContext();
        Assert.Equal(local.Id, (await db.Users.SingleAsync(u => u.NormalizedEmail == email.ToUpperInvariant())).Id);
    }

    /// <summary>
    /// The path the refusal above points to: sign in with the password, link the provider under Account → External
    /// logins (a real round trip), and from then on SSO signs in to that same account. Both changes are audited.
    /// </summary>
    [Fact]
    public async Task LinkFromAccountSettings_ThenSsoSignsInToTheSameAccount_AndUnlinkIsAudited()
    {
        var sso = await f.SsoAsync();
        var (subject, email) = NewIdentity();
        var local = await TestUsers.CreateAsync(f.Web, email);
        var org = await TestUsers.CreateOrganizationAsync(f.Db, false, (local.Id, OrgRole.Member)); // account events are audited there
        await TestUsers.SelectAsync(f.Db, local.Id, org);
        sso.Idp.Next = new NextSignIn(subject, email);

        var client = await PasswordSignInAsync(sso, email);
        var linked = await LinkThroughProviderAsync(sso, client);
        Assert.Contains("Single sign-on is linked", linked, StringComparison.Ordinal);
        Assert.Contains("Fake IdP", linked, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"link-sso\"", linked, StringComparison.Ordinal);
        Assert.Equal(local.Id, (await FindByLoginAsync(sso, subject))?.Id);

        // A fresh browser signs in through the provider and lands in the same account, with no second one created.
        var viaSso = sso.Web.Browserless("https://localhost");
        Assert.Equal("/", Forms.LocationPath(await SignInThroughProviderAsync(sso, viaSso)));
        Assert.Contains(email, await viaSso.GetStringAsync("/Account/Manage"), StringComparison.Ordinal);
        await using (var db = f.Db.OwnerContext())
        {
            Assert.Equal(1, await db.Users.CountAsync(u => u.NormalizedEmail == email.ToUpperInvariant()));
        }

        // The account has a password, so the link can go again; afterwards SSO no longer reaches the account.
        var unlinked = await Forms.SubmitAsync(client, "/Account/Manage/ExternalLogins", $"unlink-{SsoOptions.Scheme}-{subject}", new Dictionary<string, string>());
        Assert.Equal("/Account/Manage/ExternalLogins", Forms.LocationPath(unlinked));
        Assert.Null(await FindByLoginAsync(sso, subject));

        await using var audit = f.Db.OwnerContext();
        var actions = await audit.AuditEvents.IgnoreQueryFilters().Where(e => e.TenantId == org && e.ActorUserId == local.Id)
            .OrderBy(e => e.At).Select(e => new { e.Action, e.Detail }).ToListAsync();
        Assert.Contains(actions, a => a.Action == "auth.sso.linked" && a.Detail == "Fake IdP");
        Assert.Contains(actions, a => a.Action == "auth.signin" && a.Detail == "Single sign-on");
        Assert.Contains(actions, a => a.Action == "auth.sso.unlinked" && a.Detail == "Fake IdP");
    }

    [Fact]
    public async Task Unlink_IsRefused_WhenSsoIsTheAccountsOnlyWayIn()
    {
        var sso = await f.SsoAsync();
        var (subject, email) = NewIdentity();
        sso.Idp.Next = new NextSignIn(subject, email);
        var client = sso.Web.Browserless("https://localhost");
        Assert.Equal("/", Forms.LocationPath(await SignInThroughProviderAsync(sso, client))); // provisioned, no password

        var page = await client.GetStringAsync("/Account/Manage/ExternalLogins");
        Assert.Contains("Fake IdP", page, StringComparison.Ordinal);
        Assert.DoesNotContain("unlink-login", page, StringComparison.Ordinal);

        // Posting the form anyway changes nothing.
        var forced = await Forms.SubmitAsync(client, "/Account/Manage/ExternalLogins", $"unlink-{SsoOptions.Scheme}-{subject}", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        Assert.Contains("set a password first", await forced.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(await FindByLoginAsync(sso, subject));
    }

    [Fact]
    public async Task Link_IsRefused_ForAProviderIdentityThatSignsInToAnotherAccount()
    {
        var sso = await f.SsoAsync();
        var (subject, email) = NewIdentity();
        sso.Idp.Next = new NextSignIn(subject, email);
        Assert.Equal("/", Forms.LocationPath(await SignInThroughProviderAsync(sso, sso.Web.Browserless("https://localhost"))));
        var owner = (await FindByLoginAsync(sso, subject))!;

        var other = await TestUsers.CreateAsync(f.Web);
        var client = await PasswordSignInAsync(sso, other.Email!);
        var page = await LinkThroughProviderAsync(sso, client, expectRedirect: false);
        Assert.Contains("already linked to another account", page, StringComparison.Ordinal);
        Assert.Equal(owner.Id, (await FindByLoginAsync(sso, subject))?.Id);
    }

    private static async Task<HttpClient> PasswordSignInAsync(SsoPortal sso, string email)
    {
        var client = sso.Web.Browserless("https://localhost");
        var signedIn = await Forms.SubmitAsync(client, "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = TestUsers.Password });
        Assert.Equal("/", Forms.LocationPath(signedIn));
        return client;
    }

    /// <summary>The Link button on Account → External logins, the provider round trip, and the page it returns to.</summary>
    private static async Task<string> LinkThroughProviderAsync(SsoPortal sso, HttpClient client, bool expectRedirect = true)
    {
        var manage = await client.GetStringAsync("/Account/Manage/ExternalLogins");
        Assert.Contains("id=\"link-sso\"", manage, StringComparison.Ordinal);
        var challenge = await client.PostAsync("/Account/Manage/LinkExternalLogin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(Antiforgery().Match(manage).Groups[1].Value),
        }));
        var callback = await FollowProviderAsync(sso, client, challenge);
        var back = Forms.LocationPath(callback);
        Assert.Equal("/Account/Manage/ExternalLogins?Action=LinkLoginCallback", back);
        var answer = await client.GetAsync(back);
        if (!expectRedirect)
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            return await answer.Content.ReadAsStringAsync();
        }

        Assert.Equal("/Account/Manage/ExternalLogins", Forms.LocationPath(answer));
        return await client.GetStringAsync("/Account/Manage/ExternalLogins");
    }

    private static (string Subject, string Email) NewIdentity()
    {
        var id = Guid.NewGuid().ToString("N");
        return ("sub-" + id, $"sso-{id[..12]}@example.org");
    }

    /// <summary>The whole round trip; returns the ExternalLogin page's answer (a redirect once signed in).</summary>
    private static async Task<HttpResponseMessage> SignInThroughProviderAsync(SsoPortal sso, HttpClient client)
    {
        var callback = await CallbackAsync(sso, client);
        var external = Forms.LocationPath(callback);
        Assert.StartsWith("/Account/ExternalLogin?", external, StringComparison.Ordinal);
        Assert.DoesNotContain("RemoteError", external, StringComparison.Ordinal);
        return await client.GetAsync(external);
    }

    /// <summary>SSO button → provider's authorize endpoint → back to /signin-oidc; returns the handler's answer.</summary>
    private static async Task<HttpResponseMessage> CallbackAsync(SsoPortal sso, HttpClient client)
    {
        var login = await client.GetStringAsync("/Account/Login");
        Assert.Contains("Continue with Fake IdP", login, StringComparison.Ordinal);
        var token = Antiforgery().Match(login).Groups[1].Value;
        var challenge = await client.PostAsync("/Account/PerformExternalLogin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["returnUrl"] = "/",
        }));
        return await FollowProviderAsync(sso, client, challenge);
    }

    /// <summary>From the portal's challenge to the provider's authorize endpoint and back to /signin-oidc.</summary>
    private static async Task<HttpResponseMessage> FollowProviderAsync(SsoPortal sso, HttpClient client, HttpResponseMessage challenge)
    {
        var authorize = Forms.Location(challenge);
        Assert.StartsWith(sso.Idp.Issuer + "/authorize?", authorize, StringComparison.Ordinal);

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var answer = await browser.GetAsync(authorize);
        if (answer.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found)
        {
            return await client.GetAsync(answer.Headers.Location);
        }

        // response_mode=form_post (the handler's default): submit the provider's auto-posting form.
        var html = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, html);
        var action = WebUtility.HtmlDecode(FormAction().Match(html).Groups[1].Value);
        var fields = HiddenInputs().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        return await client.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    private static async Task<PortalUser?> FindByLoginAsync(SsoPortal sso, string subject)
    {
        using var scope = sso.Web.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByLoginAsync(SsoOptions.Scheme, subject);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"/>")]
    private static partial Regex HiddenInputs();
}
