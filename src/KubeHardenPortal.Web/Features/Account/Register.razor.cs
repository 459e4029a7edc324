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

public partial class Register
{
    private string? _error;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private InputModel Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    protected override void OnInitialized() => Input ??= new();

    private async Task RegisterAsync()
    {
        var user = new PortalUser
        {
            UserName = Input.Email.Trim(),
            Email = Input.Email.Trim(),
            DisplayName = Input.DisplayName.Trim(),
            CreatedAt = Clock.GetUtcNow(),
        };
        var result = await Users.CreateAsync(user, Input.Password);
        if (!result.Succeeded)
        {
            // Identity's own messages (password rules, an email already registered): sign-up reveals an existing
            // address, as most products do; sign-in, password reset and resend never do.
            _error = "Error: " + string.Join(" ", result.Errors.Select(e => e.Description));
            return;
        }

        AccountCreated(Logger, user.Id);
        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await Users.GenerateEmailConfirmationTokenAsync(user)));
        var link = Navigation.GetUriWithQueryParameters(Navigation.ToAbsoluteUri("Account/ConfirmEmail").AbsoluteUri,
            new Dictionary<string, object?> { ["userId"] = user.Id.ToString(), ["code"] = code, ["returnUrl"] = ReturnUrl });
        await Email.SendConfirmationLinkAsync(user, user.Email, link);
        Redirect.RedirectTo("Account/RegisterConfirmation", new() { ["email"] = user.Email });
    }

    private sealed class InputModel
    {
        [Required(ErrorMessage = "Enter your name.")]
        [StringLength(100)]
        public string DisplayName { get; set; } = "";

        [Required(ErrorMessage = "Enter your email.")]
        [EmailAddress(ErrorMessage = "Enter a valid email address.")]
        [StringLength(256)]
        public string Email { get; set; } = "";

        [Required(ErrorMessage = "Choose a password.")]
        [StringLength(100, MinimumLength = 10, ErrorMessage = "Use at least 10 characters.")]
        public string Password { get; set; } = "";

        [Compare(nameof(Password), ErrorMessage = "The passwords don't match.")]
        public string ConfirmPassword { get; set; } = "";
    }

    [LoggerMessage(LogLevel.Information, "Account created for user {UserId}")]
    private static partial void AccountCreated(ILogger logger, Guid userId);
}
