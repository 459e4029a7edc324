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

namespace KubeHardenPortal.Web.Features.Account.Manage;

public partial class EnableAuthenticator
{
    private string? _error;
    private PortalUser _user = default!;
    private string? _sharedKey;
    private string? _qrDataUri;
    private IReadOnlyList<string>? _recoveryCodes;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private InputModel Input { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        var user = await Users.GetUserAsync(HttpContext.User);
        if (user is null)
        {
            Redirect.RedirectToInvalidUser(HttpContext);
            return;
        }

        _user = user;
        await LoadKeyAsync();
    }

    private async Task VerifyAsync()
    {
        var code = Input.Code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!await Users.VerifyTwoFactorTokenAsync(_user, Users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            _error = "Error: that code is not valid. Check the time on your phone and try the current code.";
            return;
        }

        await Users.SetTwoFactorEnabledAsync(_user, true);
        await SignInManager.RefreshSignInAsync(_user);
        await Audit.RecordAccountEventAsync(_user, "auth.mfa.enabled", "Authenticator app",
            HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
        if (await Users.CountRecoveryCodesAsync(_user) == 0)
        {
            _recoveryCodes = (await Users.GenerateNewTwoFactorRecoveryCodesAsync(_user, 10))?.ToList() ?? [];
        }
        else
        {
            Redirect.RedirectToWithStatus("Account/Manage/TwoFactorAuthentication", "Your authenticator app is verified.", HttpContext);
        }
    }

    private async Task LoadKeyAsync()
    {
        var key = await Users.GetAuthenticatorKeyAsync(_user);
        if (string.IsNullOrEmpty(key))
        {
            await Users.ResetAuthenticatorKeyAsync(_user);
            key = await Users.GetAuthenticatorKeyAsync(_user);
        }

        _sharedKey = AuthenticatorKey.Format(key!);
        var uri = string.Format(CultureInfo.InvariantCulture, "otpauth://totp/{0}:{1}?secret={2}&issuer={0}&digits=6",
            UrlEncoder.Encode("KubeHarden"), UrlEncoder.Encode(_user.Email!), key);
        _qrDataUri = AuthenticatorKey.QrCodeDataUri(uri);
    }

    private sealed class InputModel
    {
        [Required(ErrorMessage = "Enter the code from your app.")]
        [StringLength(7, MinimumLength = 6, ErrorMessage = "The code has 6 digits.")]
        public string Code { get; set; } = "";
    }
}
