using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace KubeHardenPortal.Web.Features.Account;

public partial class ExternalLogin
{
    internal const string ExistingAccountMessage = "Error: An account with this e-mail already exists. Sign in with your password, "
        + "then link single sign-on under Account → External logins.";

    private string? _error;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    [SupplyParameterFromQuery]
    private string? RemoteError { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (RemoteError is not null)
        {
            _error = "Error: the identity provider refused the sign-in.";
            return;
        }

        var info = await SignInManager.GetExternalLoginInfoAsync();
        if (info is null)
        {
            _error = "Error: the single sign-on response could not be read. Try again.";
            return;
        }

        var result = await SignInManager.ExternalLoginSignInAsync(info.LoginProvider, info.ProviderKey, isPersistent: false, bypassTwoFactor: false);
        if (result.Succeeded)
        {
            // Returning SSO users are audited like password sign-ins (only the first, provisioning sign-in was).
            var existing = await Users.FindByLoginAsync(info.LoginProvider, info.ProviderKey);
            if (existing is not null)
            {
                await Audit.RecordAccountEventAsync(existing, "auth.signin", "Single sign-on", HttpContext.Connection.RemoteIpAddress?.ToString(),
                    HttpContext.RequestAborted);
            }

            Redirect.RedirectTo(ReturnUrl);
            return;
        }

        if (result.RequiresTwoFactor)
        {
            Redirect.RedirectTo("Account/LoginWith2fa", new() { ["returnUrl"] = ReturnUrl });
            return;
        }

        if (result.IsLockedOut)
        {
            Redirect.RedirectTo("Account/Lockout");
            return;
        }

        // First sign-in through SSO: provision an account only for an email the provider has verified.
        var email = info.Principal.FindFirstValue(ClaimTypes.Email) ?? info.Principal.FindFirstValue("email");
        var verified = string.Equals(info.Principal.FindFirstValue("email_verified"), "true", StringComparison.OrdinalIgnoreCase);
        if (email is null || !verified)
        {
            _error = "Error: the identity provider did not share a verified email address.";
            return;
        }

        if (await Users.FindByEmailAsync(email) is not null)
        {
            // Never link on the e-mail alone (whoever controls that address at the provider would take over the local
            // account): its owner signs in with the password and links the provider from the account settings.
            await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
            _error = ExistingAccountMessage;
            return;
        }

        var user = new PortalUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = info.Principal.FindFirstValue("name") ?? info.Principal.FindFirstValue(ClaimTypes.Name) ?? email,
            CreatedAt = Clock.GetUtcNow(),
        };
        var created = await Users.CreateAsync(user);
        if (created.Succeeded)
        {
            created = await Users.AddLoginAsync(user, info);
        }

        if (!created.Succeeded)
        {
            _error = "Error: " + string.Join(" ", created.Errors.Select(e => e.Description));
            return;
        }

        await SignInManager.SignInAsync(user, isPersistent: false, info.LoginProvider);
        await Audit.RecordAccountEventAsync(user, "auth.signin", "Single sign-on", HttpContext.Connection.RemoteIpAddress?.ToString(),
            HttpContext.RequestAborted);
        Redirect.RedirectTo(ReturnUrl);
    }
}
