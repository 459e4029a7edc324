using KubeHardenPortal.Data;
using KubeHardenPortal.Web.Components;
using KubeHardenPortal.Web.Security;
using Microsoft.AspNetCore.HttpOverrides;
using MudBlazor.Services;

namespace KubeHardenPortal.Web.Hosting;

/// <summary>The host's wiring, in the order Program.cs reads it.</summary>
internal static class PortalHosting
{
    public static WebApplicationBuilder AddPortalLogging(this WebApplicationBuilder builder)
    {
        // Structured JSON outside Development; message templates only (STYLE §3.6) — never tokens, passwords or links.
        if (!builder.Environment.IsDevelopment())
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        return builder;
    }

    /// <summary>The application role's connection (ConnectionStrings:App); RLS applies to everything the web does.</summary>
    public static IServiceCollection AddPortalDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = configuration.GetConnectionString("App");
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:App is not set (environment variable ConnectionStrings__App): the portal connects as the khp_app role.");
        }

        services.AddSingleton(TimeProvider.System);
        services.AddPortalData(connection);
        return services;
    }

    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddProblemDetails();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "khp.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.SuppressXFrameOptionsHeader = true; // SecurityHeadersMiddleware sends DENY and frame-ancestors 'none'
        });
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = true;
        });
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Behind a reverse proxy (ingress, compose) the proxy's address is not known in advance.
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
        });
        return services;
    }

    public static WebApplication UsePortalPipeline(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>("Hosting:TrustForwardedHeaders"))
        {
            app.UseForwardedHeaders();
        }

        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (!app.Environment.IsDevelopment())
        {
            // APIs get a 500 problem response; pages the error page.
            app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.UseExceptionHandler());
            app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api"), ui => ui.UseExceptionHandler("/error", createScopeForErrors: true));
            app.UseHsts();
        }

        // APIs answer empty error statuses (401, 403, 404, 405) with problem details; pages re-execute the not-found page.
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages());
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api"),
            ui => ui.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<TenantResolutionMiddleware>();
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapPortalUi(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>()
            // SecurityHeadersMiddleware already sends frame-ancestors 'none'; Blazor would add a second CSP with 'self'.
            .AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }
}
