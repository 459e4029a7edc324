using KubeHardenPortal.Data;
using KubeHardenPortal.Data.Identity;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Identity;

namespace KubeHardenPortal.Web.Security;

internal static class IdentitySetup
{
    /// <summary>Identity on PortalDbContext, cookies, lockout, TOTP, optional OIDC, Data Protection keys in the database.</summary>
    public static IServiceCollection AddPortalIdentity(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthenticationStateProvider>();
        services.AddScoped<OrganizationAccessResolver>();
        services.AddScoped<CurrentOrganization>();
        services.AddScoped<CircuitHandler, TenantCircuitHandler>();
        services.AddSingleton<MembershipChanges>();
        services.AddHostedService<MembershipSignalRelay>();  // membership changes across web replicas (LISTEN/NOTIFY)
        services.AddScoped<RequireOrganizationFilter>();

        var auth = services.AddAuthentication(o =>
        {
            o.DefaultScheme = IdentityConstants.ApplicationScheme;
            o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
        });
        auth.AddIdentityCookies();
        services.AddAuthorization();
        services.AddPageAccess();                         // route-level org-role policies for pages

        var sso = configuration.GetSection(SsoOptions.Section).Get<SsoOptions>();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(sso ?? new SsoOptions()));
        if (sso?.IsConfigured == true)
        {
            // Registered only when a deployment configures it; the client secret comes from the environment.
            auth.AddOpenIdConnect(SsoOptions.Scheme, sso.DisplayName, o =>
            {
                o.Authority = sso.Authority;
                o.ClientId = sso.ClientId;
                o.ClientSecret = sso.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.SaveTokens = false;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.SignInScheme = IdentityConstants.ExternalScheme;
                o.CallbackPath = "/signin-oidc";
                o.Scope.Clear();
                foreach (var scope in sso.Scopes)
                {
                    o.Scope.Add(scope);
                }

                // A refused response (bad signature, audience or expiry, denied consent, lost correlation cookie) would
                // otherwise surface as an unhandled exception (HTTP 500). The handler has already logged the cause;
                // the user gets the sign-on page's generic message, with no session.
                o.Events.OnRemoteFailure = context =>
                {
                    context.Response.Redirect(UriHelper.BuildRelative(context.Request.PathBase, "/Account/ExternalLogin",
                        QueryString.Create("RemoteError", "sso_failed")));
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        }

        services.AddIdentityCore<PortalUser>(o =>
            {
                o.SignIn.RequireConfirmedAccount = true;
                o.SignIn.RequireConfirmedEmail = true;
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<PortalUserClaimsPrincipalFactory>()
            .AddDefaultTokenProviders();

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/Account/Login";
            o.LogoutPath = "/Account/Logout";
            o.AccessDeniedPath = "/Account/AccessDenied";
            o.Cookie.Name = "khp.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            // APIs answer 401/403 instead of redirecting to the sign-in page.
            o.Events.OnRedirectToLogin = c => RedirectOrStatus(c.HttpContext, c.RedirectUri, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = c => RedirectOrStatus(c.HttpContext, c.RedirectUri, StatusCodes.Status403Forbidden);
        });
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(5));

        // Shared with the Worker, which decrypts protected job arguments: both read section "DataProtection" the same way.
        services.AddPortalDataProtection(configuration.GetSection(PortalKeyEncryptionOptions.Section).Get<PortalKeyEncryptionOptions>() ?? new(),
            environment.IsDevelopment());

        services.AddPortalEmail(environment.IsDevelopment());
        return services;
    }

    private static Task RedirectOrStatus(HttpContext context, string redirectUri, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(redirectUri);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Optional single sign-on through one OpenID Connect provider per deployment.</summary>
public sealed class SsoOptions
{
    public const string Section = "Authentication:Oidc";
    public const string Scheme = "oidc";

    public string? Authority { get; init; }
    public string? ClientId { get; init; }

    /// <summary>From the environment (Authentication__Oidc__ClientSecret), never from appsettings.</summary>
    public string? ClientSecret { get; init; }

    public string DisplayName { get; init; } = "Single sign-on";
    public string[] Scopes { get; init; } = ["openid", "profile", "email"];

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}
