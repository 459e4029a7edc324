using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using KubeHardenPortal.Data.Organizations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Security;

public sealed class ApiRateLimitOptions
{
    public const string Section = "RateLimits:Api";

    /// <summary>API requests per caller (token, else user, else client address) per minute.</summary>
    [Range(1, 100_000)]
    public int PermitsPerMinute { get; init; } = 300;
}

/// <summary>Endpoint metadata: the minimum organization role of an API endpoint (read by the permission-matrix test).</summary>
public sealed record RequiredOrgRole(OrgRole Minimum);

/// <summary>
/// Who may call /api/v1: a signed-in user (cookie) or an API token, both resolved to one organization and role.
/// The role check is an endpoint filter because the role lives in <see cref="CurrentOrganization"/>, per request.
/// </summary>
internal static class ApiAccess
{
    public const string Policy = "api";
    public const string RateLimitPolicy = "api";
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static IServiceCollection AddApiAccess(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(IdentityConstants.ApplicationScheme, ApiTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());

        services.AddOptions<ApiRateLimitOptions>().BindConfiguration(ApiRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(o => o.AddPolicy(RateLimitPolicy, context =>
        {
            var permits = context.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value.PermitsPerMinute;
            var caller = context.User.FindFirst(ApiTokenClaims.TokenId)?.Value is { } token ? "token:" + token
                : PortalClaims.UserId(context.User) is { } user ? "user:" + user
                : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            return RateLimitPartition.GetFixedWindowLimiter(caller, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        }));
        return services;
    }

    /// <summary>The versioned API group: authenticated callers, rate limited, small bodies, problem responses.</summary>
    public static RouteGroupBuilder MapPortalApi(this IEndpointRouteBuilder app, string prefix)
    {
        var group = app.MapGroup(prefix);
        group.RequireAuthorization(Policy)
            .RequireRateLimiting(RateLimitPolicy)
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBodyBytes))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return group;
    }

    /// <summary>Requires an active organization and at least <paramref name="minimum"/> there, for users and tokens alike.</summary>
    public static TBuilder RequireOrgRole<TBuilder>(this TBuilder builder, OrgRole minimum) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new RequiredOrgRole(minimum));
        builder.AddEndpointFilter(async (context, next) =>
        {
            var current = context.HttpContext.RequestServices.GetRequiredService<CurrentOrganization>();
            if (!current.IsActive)
            {
                var (code, detail) = current.Status == OrganizationStatus.MfaRequired
                    ? ("mfa_required", "This organization requires multi-factor authentication for Owners and Admins. Enable an authenticator app first.")
                    : ("no_organization", "No organization is selected. Select or create an organization first.");
                return TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Organization required",
                    extensions: new Dictionary<string, object?> { ["code"] = code });
            }

            // The most specific RequiredOrgRole wins (an endpoint may raise its group's minimum).
            var required = context.HttpContext.GetEndpoint()?.Metadata.GetOrderedMetadata<RequiredOrgRole>().LastOrDefault()?.Minimum ?? minimum;
            return current.Has(required)
                ? await next(context)
                : TypedResults.Problem(Errors.Forbidden.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                    extensions: new Dictionary<string, object?> { ["code"] = Errors.Forbidden.Code });
        });
        return builder;
    }
}
