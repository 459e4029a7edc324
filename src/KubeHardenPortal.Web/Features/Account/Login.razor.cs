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

public partial class Login
{
    /// <summary>
    /// The one answer to a refused password sign-in: wrong password, unknown address and locked account alike (only the
    /// right password for an unconfirmed account is told more).
    /// </summary>
    internal const string InvalidSignIn =
        "Error: Invalid sign-in attempt. If you have an account, it may be temporarily locked after repeated failures.";

    private string? _error;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private InputModel Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    [SupplyParameterFromQuery]
    private bool SignedOut { get; set; }

    private string SignUpHref => string.IsNullOrEmpty(ReturnUrl) ? "Account/Register" : $"Account/Register?ReturnUrl={Uri.EscapeDataString(ReturnUrl)}";

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        if (HttpMethods.IsGet(HttpContext.Request.Method))
        {
            // Start clean: drop a half-finished external sign-in.
            await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
        }
    }

    private async Task SignInAsync()
    {
        var ct = HttpContext.RequestAborted;
        var ip = HttpContext.Connection.RemoteIpAddress?.ToString();
        var user = await Users.FindByEmailAsync(Input.Email);
        var result = await SignInManager.PasswordSignInAsync(user?.UserName ?? Input.Email, Input.Password, Input.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            await Audit.RecordAccountEventAsync(user!, "auth.signin", "Password", ip, ct);
            Redirect.RedirectTo(ReturnUrl);
        }
        else if (result.RequiresTwoFactor)
        {
            Redirect.RedirectTo("Account/LoginWith2fa", new() { ["returnUrl"] = ReturnUrl, ["rememberMe"] = Input.RememberMe });
        }
        else if (result.IsLockedOut)
        {
            if (user is not null)
            {
                await Audit.RecordAccountEventAsync(user, "auth.lockout", "Too many failed sign-ins", ip, ct);
            }

            // The same answer as a wrong password or an unknown address: a distinct lockout page would tell anyone who
            // types an address five times that it has an account. The owner learns it from the message's second sentence.
            Logger.LogWarning("Sign-in refused: account locked out");
            _error = InvalidSignIn;
        }
        else if (result.IsNotAllowed && user is not null && !await Users.IsLockedOutAsync(user)
                 && await Users.CheckPasswordAsync(user, Input.Password))
        {
            // Identity refuses an unconfirmed account before it checks the password: only someone who knows the password
            // learns that the account exists and waits for confirmation.
            _error = "Error: confirm your email address first. We can send the link again if you lost it.";
        }
        else
        {
            if (user is not null)
            {
                if (result.IsNotAllowed)
                {
                    await Users.AccessFailedAsync(user); // a wrong password for an unconfirmed account still counts toward lockout
                }

                await Audit.RecordAccountEventAsync(user, "auth.signin.failed", "Wrong password", ip, ct);
            }

            _error = InvalidSignIn;
        }

        // The form is shown again: never echo the password back into the page.
        Input.Password = "";
    }

    private sealed class InputModel
    {
        [Required(ErrorMessage = "Enter your email.")]
        [EmailAddress(ErrorMessage = "Enter a valid email address.")]
        public string Email { get; set; } = "";

        [Required(ErrorMessage = "Enter your password.")]
        public string Password { get; set; } = "";

        public bool RememberMe { get; set; }
    }
}
