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

public partial class LoginWith2fa
{
    private string? _error;
    private PortalUser _user = default!;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private InputModel Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    [SupplyParameterFromQuery]
    private bool RememberMe { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        var user = await SignInManager.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            Redirect.RedirectToWithStatus("Account/Login", "Error: your sign-in expired. Enter your password again.", HttpContext);
            return;
        }

        _user = user;
    }

    private async Task VerifyAsync()
    {
        var code = Input.TwoFactorCode.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        var result = await SignInManager.TwoFactorAuthenticatorSignInAsync(code, RememberMe, Input.RememberMachine);
        var ip = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (result.Succeeded)
        {
            await Audit.RecordAccountEventAsync(_user, "auth.signin.mfa", "Password and authenticator app", ip, HttpContext.RequestAborted);
            Redirect.RedirectTo(ReturnUrl);
        }
        else if (result.IsLockedOut)
        {
            await Audit.RecordAccountEventAsync(_user, "auth.lockout", "Too many wrong codes", ip, HttpContext.RequestAborted);
            Redirect.RedirectTo("Account/Lockout");
        }
        else
        {
            _error = "Error: that code is not valid. Codes change every 30 seconds.";
        }
    }

    private sealed class InputModel
    {
        [Required(ErrorMessage = "Enter the code.")]
        [StringLength(7, MinimumLength = 6, ErrorMessage = "The code has 6 digits.")]
        public string TwoFactorCode { get; set; } = "";

        public bool RememberMachine { get; set; }
    }
}
