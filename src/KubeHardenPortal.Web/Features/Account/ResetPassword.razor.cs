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

public partial class ResetPassword
{
    private string? _error;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private InputModel Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? Code { get; set; }

    protected override void OnInitialized()
    {
        Input ??= new();
        if (Code is not null)
        {
            Input.Code = Code;
        }
    }

    private async Task ResetAsync()
    {
        var user = await Users.FindByEmailAsync(Input.Email);
        IdentityResult result;
        try
        {
            result = user is null
                ? IdentityResult.Failed()
                : await Users.ResetPasswordAsync(user, Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(Input.Code)), Input.Password);
        }
        catch (FormatException)
        {
            result = IdentityResult.Failed();
        }

        if (result.Succeeded)
        {
            await Audit.RecordAccountEventAsync(user!, "auth.password.reset", "By email link",
                HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
            Redirect.RedirectToWithStatus("Account/Login", "Your password has been reset. Sign in with the new one.", HttpContext);
            return;
        }

        _error = "Error: " + (result.Errors.Any(e => e.Code.StartsWith("Password", StringComparison.Ordinal))
            ? string.Join(" ", result.Errors.Select(e => e.Description))
            : "the link is invalid or has expired, or the email does not match.");
    }

    private sealed class InputModel
    {
        [Required(ErrorMessage = "Enter your email.")]
        [EmailAddress(ErrorMessage = "Enter a valid email address.")]
        public string Email { get; set; } = "";

        [Required(ErrorMessage = "Choose a password.")]
        [StringLength(100, MinimumLength = 10, ErrorMessage = "Use at least 10 characters.")]
        public string Password { get; set; } = "";

        [Compare(nameof(Password), ErrorMessage = "The passwords don't match.")]
        public string ConfirmPassword { get; set; } = "";

        [Required]
        public string Code { get; set; } = "";
    }
}
