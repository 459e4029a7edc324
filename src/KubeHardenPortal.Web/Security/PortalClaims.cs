using System.Security.Claims;
using KubeHardenPortal.Data.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Security;

public static class PortalClaims
{
    public const string DisplayName = "khp:display_name";

    public static Guid? UserId(ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true
        && Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static string Name(ClaimsPrincipal principal) =>
        principal.FindFirstValue(DisplayName) is { Length: > 0 } name ? name : principal.Identity?.Name ?? "";
}

/// <summary>Adds the display name to the sign-in cookie so the layout needs no query to greet the user.</summary>
internal sealed class PortalUserClaimsPrincipalFactory(UserManager<PortalUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<PortalUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(PortalUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (!string.IsNullOrWhiteSpace(user.DisplayName))
        {
            identity.AddClaim(new Claim(PortalClaims.DisplayName, user.DisplayName));
        }

        return identity;
    }
}
