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

    /// <summary>
    /// The same answer for a new and an already registered address: the password rules first (they do not depend on the
    /// address), then either a new account with a confirmation e-mail, or, for an existing account, a notice to its owner
    /// and nothing else. Both paths hash the password once, and neither waits for the mail server.
    /// </summary>
    private async Task RegisterAsync()
    {
        var email = Input.Email.Trim();
        var user = new PortalUser
        {
            UserName = email,
            Email = email,
            DisplayName = Input.DisplayName.Trim(),
            CreatedAt = Clock.GetUtcNow(),
        };
        var passwordErrors = new List<IdentityError>();
        foreach (var validator in Users.PasswordValidators)
        {
            var check = await validator.ValidateAsync(Users, user, Input.Password);
            passwordErrors.AddRange(check.Errors);
        }

        if (passwordErrors.Count > 0)
        {
            _error = "Error: " + string.Join(" ", passwordErrors.Select(e => e.Description));
            return;
        }

        var existing = await Users.FindByEmailAsync(email);
        if (existing is null)
        {
            var result = await Users.CreateAsync(user, Input.Password);
            if (result.Succeeded)
            {
                AccountCreated(Logger, user.Id);
                var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await Users.GenerateEmailConfirmationTokenAsync(user)));
                var link = Navigation.GetUriWithQueryParameters(Navigation.ToAbsoluteUri("Account/ConfirmEmail").AbsoluteUri,
                    new Dictionary<string, object?> { ["userId"] = user.Id.ToString(), ["code"] = code, ["returnUrl"] = ReturnUrl });
                await Email.SendConfirmationLinkAsync(user, email, link);
                Redirect.RedirectTo("Account/RegisterConfirmation", new() { ["email"] = email });
                return;
            }

            // Registered between the lookup and the insert (or the address is someone's user name): the existing-account path.
            existing = result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName))
                ? await Users.FindByEmailAsync(email) ?? await Users.FindByNameAsync(email)
                : null;
            if (existing is null)
            {
                _error = "Error: " + string.Join(" ", result.Errors.Select(e => e.Description));
                return;
            }
        }

        // Same work as creating an account (hashing dominates), so the response time does not tell either.
        _ = Users.PasswordHasher.HashPassword(user, Input.Password);
        RegistrationForExistingAccount(Logger, existing.Id);
        await Email.SendAccountExistsNoticeAsync(existing.Email ?? email, Navigation.ToAbsoluteUri("Account/Login").AbsoluteUri);
        Redirect.RedirectTo("Account/RegisterConfirmation", new() { ["email"] = email });
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

    [LoggerMessage(LogLevel.Information, "Sign-up with the address of existing user {UserId}: notice sent, nothing created")]
    private static partial void RegistrationForExistingAccount(ILogger logger, Guid userId);
}
