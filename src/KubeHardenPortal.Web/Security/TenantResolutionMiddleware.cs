namespace KubeHardenPortal.Web.Security;

/// <summary>
/// Resolves the tenant for HTTP requests (minimal APIs and the prerender of pages) from the authenticated user.
/// Static files, health probes and the Blazor hub skip it: circuits resolve their own tenant (TenantCircuitHandler).
/// </summary>
internal sealed class TenantResolutionMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, OrganizationAccessResolver resolver, CurrentOrganization current)
    {
        // API token callers: the token's authentication handler has already set the tenant from the token itself.
        // A page's role policy may already have resolved this user in this request (OrgRoleAuthorizationHandler).
        if (context.User.Identity?.IsAuthenticated == true && !ApiTokenClaims.IsToken(context.User) && NeedsTenant(context)
            && (current.Status == OrganizationStatus.Unresolved || current.UserId != PortalClaims.UserId(context.User)))
        {
            await resolver.ResolveAsync(context.User, context.RequestAborted);
        }

        await next(context);
    }

    private static bool NeedsTenant(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api"))
        {
            return true; // including /api/v1/audit-events/export.csv
        }

        if (path.StartsWithSegments("/_blazor") || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content")
            || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/Account"))
        {
            return false;
        }

        // Fingerprinted static assets (app.css, js/portal.js, ...) carry an extension; pages and API routes do not.
        return !Path.HasExtension(path.Value);
    }
}

/// <summary>Endpoint filter for tenant APIs: 403 with a reason when the caller has no active organization.</summary>
internal sealed class RequireOrganizationFilter(CurrentOrganization current) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (current.IsActive)
        {
            return await next(context);
        }

        var (code, detail) = current.Status == OrganizationStatus.MfaRequired
            ? ("mfa_required", "This organization requires multi-factor authentication for Owners and Admins. Enable an authenticator app first.")
            : ("no_organization", "No organization is selected. Select or create an organization first.");
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Organization required",
            extensions: new Dictionary<string, object?> { ["code"] = code });
    }
}
