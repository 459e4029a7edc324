using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;

namespace KubeHardenPortal.Web.Features.Account.Manage;

/// <summary>
/// Lists the single sign-on identities linked to the signed-in account, links the deployment's provider (the challenge
/// starts at <c>POST /Account/Manage/LinkExternalLogin</c> and returns here) and unlinks one while another way to sign in
/// is left. Links and unlinks are audited.
/// </summary>
public partial class ExternalLogins
{
    private PortalUser _user = default!;
    private IList<UserLoginInfo> _logins = [];
    private bool _hasPassword;
    private string? _error;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? Action { get; set; }

    /// <summary>A password or a second login must remain, or the account could no longer be signed in to.</summary>
    private bool CanUnlink => _hasPassword || _logins.Count > 1;

    private bool CanLink => Sso.Value.IsConfigured && !_logins.Any(l => l.LoginProvider == SsoOptions.Scheme);

    protected override async Task OnInitializedAsync()
    {
        var user = await Users.GetUserAsync(HttpContext.User);
        if (user is null)
        {
            Redirect.RedirectToInvalidUser(HttpContext);
            return;
        }

        _user = user;
        if (HttpMethods.IsGet(HttpContext.Request.Method) && Action == AccountEndpoints.LinkLoginCallbackAction)
        {
            await LinkAsync();
            return;
        }

        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _logins = await Users.GetLoginsAsync(_user);
        _hasPassword = await Users.HasPasswordAsync(_user);
    }

    private async Task LinkAsync()
    {
        // Only the external sign-in started by this user's link request (it carries their id) is accepted.
        var info = await SignInManager.GetExternalLoginInfoAsync(_user.Id.ToString());
        if (info is null)
        {
            _error = "Error: the single sign-on response could not be read. Try linking again.";
            await LoadAsync();
            return;
        }

        var result = await Users.AddLoginAsync(_user, info);
        await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
        if (!result.Succeeded)
        {
            // The usual cause: that provider identity already signs in to another account.
            _error = result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.LoginAlreadyAssociated))
                ? "Error: this single sign-on identity is already linked to another account."
                : "Error: single sign-on could not be linked. Try again.";
            await LoadAsync();
            return;
        }

        await Audit.RecordAccountEventAsync(_user, "auth.sso.linked", info.ProviderDisplayName ?? info.LoginProvider,
            HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
        Redirect.RedirectToCurrentPageWithStatus("Single sign-on is linked: you can now sign in with it.", HttpContext);
    }

    private async Task UnlinkAsync(UserLoginInfo login)
    {
        if (!CanUnlink)
        {
            _error = "Error: set a password first: this is your only way to sign in.";
            return;
        }

        var result = await Users.RemoveLoginAsync(_user, login.LoginProvider, login.ProviderKey);
        if (!result.Succeeded)
        {
            Redirect.RedirectToCurrentPageWithStatus("Error: single sign-on could not be unlinked.", HttpContext);
            return;
        }

        // Removing a login renews the security stamp: keep this session, end the others.
        await SignInManager.RefreshSignInAsync(_user);
        await Audit.RecordAccountEventAsync(_user, "auth.sso.unlinked", login.ProviderDisplayName ?? login.LoginProvider,
            HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
        Redirect.RedirectToCurrentPageWithStatus("Single sign-on is unlinked.", HttpContext);
    }

    /// <summary>One form per login; the login to remove comes from the server's list, not from the posted fields.</summary>
    private static string FormName(UserLoginInfo login) => $"unlink-{login.LoginProvider}-{login.ProviderKey}";
}
