using KubeHardenPortal.Data.Organizations;
using KubeHardenPortal.Web.Features.Account;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Components.Endpoints;

namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Route-level role policies for pages, evaluated against the role in the user's selected organization
/// (<see cref="CurrentOrganization"/>), never a global role claim. The same minimums as the /api/v1 groups
/// (<see cref="ApiAccess.RequireOrgRole{TBuilder}"/>); the handlers stay the wall, these keep pages from rendering.
/// </summary>
public static class PageAccess
{
    public const string Member = "org:member";
    public const string Auditor = "org:auditor";
    public const string Admin = "org:admin";

    /// <summary>The failure reason when no organization is active (none selected, or MFA missing): not a role problem.</summary>
    internal const string NoActiveOrganization = "no_active_organization";

    internal static IServiceCollection AddPageAccess(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .AddPolicy(Member, p => p.RequireAuthenticatedUser().AddRequirements(new OrgRoleRequirement(OrgRole.Member)))
            .AddPolicy(Auditor, p => p.RequireAuthenticatedUser().AddRequirements(new OrgRoleRequirement(OrgRole.Auditor)))
            .AddPolicy(Admin, p => p.RequireAuthenticatedUser().AddRequirements(new OrgRoleRequirement(OrgRole.Admin)));
        // Scoped: it reads the scope's CurrentOrganization (the request's, or the circuit's).
        services.AddScoped<IAuthorizationHandler, OrgRoleAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, PageAccessResultHandler>();
        return services;
    }
}

public sealed record OrgRoleRequirement(OrgRole Minimum) : IAuthorizationRequirement;

internal sealed class OrgRoleAuthorizationHandler(CurrentOrganization current, OrganizationAccessResolver resolver)
    : AuthorizationHandler<OrgRoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, OrgRoleRequirement requirement)
    {
        // A token is a credential for /api/v1 only; pages never accept one.
        var userId = PortalClaims.UserId(context.User);
        if (userId is null || ApiTokenClaims.IsToken(context.User))
        {
            return;
        }

        // HTTP requests authorize before TenantResolutionMiddleware runs; circuits have resolved already.
        if (current.Status == OrganizationStatus.Unresolved || current.UserId != userId)
        {
            await resolver.ResolveAsync(context.User, (context.Resource as HttpContext)?.RequestAborted ?? CancellationToken.None);
        }

        if (current.Has(requirement.Minimum))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, current.IsActive ? "role" : PageAccess.NoActiveOrganization));
        }
    }
}

/// <summary>
/// A page refused because no organization is active goes to the dashboard, where the organization gate explains what
/// to do (choose one, or enrol MFA). A signed-in user refused by role gets HTTP 403 with the access-denied page rendered
/// in place (a redirect would answer 302, and the address bar would lose what was refused). Anonymous callers are still
/// challenged (302 to sign-in), and APIs keep their 401/403 problem responses.
/// </summary>
internal sealed class PageAccessResultHandler(EndpointDataSource endpoints) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();
    private Endpoint? _accessDenied;

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && !context.Request.Path.StartsWithSegments("/api") && context.User.Identity?.IsAuthenticated == true)
        {
            if (authorizeResult.AuthorizationFailure?.FailureReasons.Any(r => r.Message == PageAccess.NoActiveOrganization) == true)
            {
                context.Response.Redirect("/");
                return Task.CompletedTask;
            }

            return RenderAccessDeniedAsync(next, context);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }

    /// <summary>
    /// Runs the rest of the pipeline for the access-denied page instead of the refused one, as the status-code
    /// re-execution does: the page is anonymous and static, so skipping its own (allow-anonymous) authorization is moot.
    /// A refused form post is answered with the page as for a GET; nothing of the refused page runs.
    /// </summary>
    private async Task RenderAccessDeniedAsync(RequestDelegate next, HttpContext context)
    {
        var request = context.Request;
        var (path, method, endpoint, routeValues) = (request.Path, request.Method, context.GetEndpoint(), request.RouteValues);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        request.Path = AccessDeniedPath;
        request.Method = HttpMethods.Get;
        request.RouteValues = [];
        context.SetEndpoint(_accessDenied ??= FindAccessDeniedPage());
        try
        {
            await next(context);
        }
        finally
        {
            (request.Path, request.Method, request.RouteValues) = (path, method, routeValues);
            context.SetEndpoint(endpoint);
        }
    }

    private const string AccessDeniedPath = "/Account/AccessDenied";

    private Endpoint FindAccessDeniedPage() =>
        endpoints.Endpoints.OfType<RouteEndpoint>().First(e => e.Metadata.GetMetadata<ComponentTypeMetadata>()?.Type == typeof(AccessDenied));
}
