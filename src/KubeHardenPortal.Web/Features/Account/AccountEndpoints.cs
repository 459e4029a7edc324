using KubeHardenPortal.Data.Identity;
using KubeHardenPortal.Web.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Features.Account;

/// <summary>The account actions that are plain form posts (antiforgery-validated by the framework).</summary>
internal static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/Account");

        account.MapPost("/Logout", async Task<IResult> (HttpContext context, IAntiforgery antiforgery, SignInManager<PortalUser> signIn) =>
        {
            // No form field is bound, so the framework would not enforce the token: check it here (no CSRF sign-out).
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.BadRequest();
            }

            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/Account/Login?signedOut=true");
        });

        account.MapPost("/PerformExternalLogin", (HttpContext context, SignInManager<PortalUser> signIn, IOptions<SsoOptions> sso,
            [FromForm] string? returnUrl) =>
        {
            if (!sso.Value.IsConfigured)
            {
                return Results.NotFound();
            }

            var redirect = UriHelper.BuildRelative(context.Request.PathBase, "/Account/ExternalLogin",
                QueryString.Create(new Dictionary<string, string?> { ["ReturnUrl"] = returnUrl ?? "/", ["Action"] = "LoginCallback" }));
            var properties = signIn.ConfigureExternalAuthenticationProperties(SsoOptions.Scheme, redirect);
            return TypedResults.Challenge(properties, [SsoOptions.Scheme]);
        }).RequireRateLimiting(SignInRateLimiting.Policy);

        // Linking single sign-on to the signed-in account: the challenge carries the user's id, and the Manage page's
        // callback accepts only an external sign-in that returns it (so a half-finished SSO sign-in cannot be linked).
        account.MapPost("/Manage/LinkExternalLogin", async Task<IResult> (HttpContext context, IAntiforgery antiforgery,
            SignInManager<PortalUser> signIn, UserManager<PortalUser> users, IOptions<SsoOptions> sso) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.BadRequest();
            }

            if (!sso.Value.IsConfigured)
            {
                return TypedResults.NotFound();
            }

            await context.SignOutAsync(IdentityConstants.ExternalScheme);
            var redirect = UriHelper.BuildRelative(context.Request.PathBase, ExternalLoginsPath,
                QueryString.Create("Action", LinkLoginCallbackAction));
            var properties = signIn.ConfigureExternalAuthenticationProperties(SsoOptions.Scheme, redirect, users.GetUserId(context.User));
            return TypedResults.Challenge(properties, [SsoOptions.Scheme]);
        }).RequireAuthorization().RequireRateLimiting(SignInRateLimiting.Policy);

        return app;
    }

    public const string ExternalLoginsPath = "/Account/Manage/ExternalLogins";
    public const string LinkLoginCallbackAction = "LinkLoginCallback";
}
