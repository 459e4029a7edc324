using System.Net;
using System.Net.Http.Json;
using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Web.Security;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace KubeHardenPortal.Web.Tests.Account;

[Collection(PortalCollection.Name)]
public sealed class AccountFlowTests(PortalFixture f)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/clusters")]
    [InlineData("/teams")]
    [InlineData("/audit")]
    [InlineData("/settings")]
    [InlineData("/organizations/new")]
    [InlineData("/Account/Manage")]
    [InlineData("/Account/Manage/EnableAuthenticator")]
    public async Task AppPage_Anonymous_RedirectsToSignIn(string path)
    {
        var response = await f.Web.Browserless().GetAsync(path);
        Assert.Contains("/Account/Login", Forms.Location(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_Anonymous_Returns401()
    {
        var response = await f.Web.Browserless().GetAsync("/api/organizations/current");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SignUp_ConfirmEmail_SignIn_ThenNoOrganizationFailsClosed()
    {
        var email = $"new-{Guid.NewGuid():N}@example.org";
        var client = f.Web.Browserless();

        var register = await Forms.SubmitAsync(client, "/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.DisplayName"] = "Nina New",
            ["Input.Email"] = email,
            ["Input.Password"] = TestUsers.Password,
            ["Input.ConfirmPassword"] = TestUsers.Password,
        });
        Assert.Contains("Account/RegisterConfirmation", Forms.Location(register), StringComparison.Ordinal);

        // Not confirmed yet: the sign-in is refused with a clear message.
        var early = await Forms.SubmitAsync(client, "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = TestUsers.Password });
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Contains("confirm your email", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The development outbox holds the link the email would carry; the confirmation page shows it too.
        var link = f.Web.Services.GetRequiredService<DevelopmentOutbox>().Last(email);
        Assert.NotNull(link);
        var confirmationPage = await client.GetStringAsync(Forms.Location(register));
        Assert.Contains("id=\"dev-link\"", confirmationPage, StringComparison.Ordinal);
        var confirmed = await client.GetStringAsync(new Uri(link!.Link).PathAndQuery);
        Assert.Contains("Email confirmed", confirmed, StringComparison.Ordinal);

        var signIn = await Forms.SubmitAsync(client, "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = TestUsers.Password });
        Assert.Equal("/", Forms.LocationPath(signIn));

        // Signed in, member of nothing: the list is empty and every tenant API refuses (fail closed).
        Assert.Empty(await client.GetFromJsonAsync<List<OrganizationDtoShape>>("/api/organizations") ?? []);
        var current = await client.GetAsync("/api/organizations/current");
        Assert.Equal(HttpStatusCode.Forbidden, current.StatusCode);
        Assert.Contains("no_organization", await current.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfirmEmail_TamperedCode_DoesNotConfirm()
    {
        var user = await TestUsers.CreateAsync(f.Web, confirmed: false);
        var page = await f.Web.Browserless().GetStringAsync($"/Account/ConfirmEmail?userId={user.Id}&code=bm90LWEtdG9rZW4");
        Assert.Contains("This link doesn", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LocksTheAccount()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var client = f.Web.Browserless();
        var wrong = new Dictionary<string, string> { ["Input.Email"] = user.Email!, ["Input.Password"] = "Not-The-Password-1" };
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Forms.SubmitAsync(client, "/Account/Login", "login", wrong)).StatusCode);
        }

        // The fifth locks the account; the page says what it says to any refused sign-in (no lockout page).
        var fifth = await Forms.SubmitAsync(client, "/Account/Login", "login", wrong);
        Assert.Equal(HttpStatusCode.OK, fifth.StatusCode);
        Assert.Contains("it may be temporarily locked after repeated failures", await fifth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var scope = f.Web.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True(await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id.ToString()))!));
        }

        // Even the right password is refused while locked out, and no session cookie is issued.
        var right = new Dictionary<string, string> { ["Input.Email"] = user.Email!, ["Input.Password"] = TestUsers.Password };
        var refused = await Forms.SubmitAsync(client, "/Account/Login", "login", right);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("Invalid sign-in attempt.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/organizations")).StatusCode);
    }

    [Fact]
    public async Task PasswordReset_ByEmailLink_SetsTheNewPassword()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var client = f.Web.Browserless();
        var forgot = await Forms.SubmitAsync(client, "/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = user.Email! });
        Assert.Contains("Account/ForgotPasswordConfirmation", Forms.Location(forgot), StringComparison.Ordinal);
        var link = f.Web.Services.GetRequiredService<DevelopmentOutbox>().Last(user.Email!);
        Assert.Equal("reset-password", link!.Kind);

        const string newPassword = "Brand-New-Password-9";
        var reset = await Forms.SubmitAsync(client, new Uri(link.Link).PathAndQuery, "reset-password", new Dictionary<string, string>
        {
            ["Input.Email"] = user.Email!,
            ["Input.Password"] = newPassword,
            ["Input.ConfirmPassword"] = newPassword,
            ["Input.Code"] = System.Web.HttpUtility.ParseQueryString(new Uri(link.Link).Query)["code"]!,
        });
        Assert.Contains("Account/Login", Forms.Location(reset), StringComparison.Ordinal);
        var signIn = await Forms.SubmitAsync(f.Web.Browserless(), "/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Email"] = user.Email!, ["Input.Password"] = newPassword });
        Assert.Equal("/", Forms.LocationPath(signIn));
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var user = await TestUsers.CreateAsync(f.Web);
        var client = await TestUsers.SignedInClientAsync(f.Web, user.Email!);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/organizations")).StatusCode);

        var signOut = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        // Without a valid antiforgery token the sign-out is refused; with one (the real form) it succeeds.
        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        var manage = await client.GetAsync("/Account/Manage");
        var page = await manage.Content.ReadAsStringAsync();
        Assert.True(manage.IsSuccessStatusCode, page[..Math.Min(3000, page.Length)]);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var ok = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token) }));
        Assert.Contains("Account/Login", Forms.Location(ok), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/organizations")).StatusCode);
    }

    private sealed record OrganizationDtoShape(Guid Id, string Name);
}
