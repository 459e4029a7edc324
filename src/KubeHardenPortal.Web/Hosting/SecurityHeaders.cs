using KubeHardenPortal.Web.Security;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Web.Hosting;

/// <summary>
/// Response headers for every request. The CSP allows only our own scripts (Blazor, MudBlazor, portal.js);
/// inline styles stay allowed because MudBlazor sets style attributes.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next, IOptions<SsoOptions> sso)
{
    private readonly string _csp = string.Join("; ",
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        // The SSO challenge follows a form post with a redirect to the identity provider.
        "form-action 'self'" + (sso.Value.IsConfigured && Uri.TryCreate(sso.Value.Authority, UriKind.Absolute, out var a)
            ? " " + a.GetLeftPart(UriPartial.Authority) : ""),
        "frame-ancestors 'none'");

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = _csp;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (context.Request.Path.StartsWithSegments(ApiDocumentation.ReferencePath))
        {
            // The API reference page boots with one inline script carrying a per-request nonce: allow exactly that one.
            context.Response.OnStarting(() =>
            {
                if (context.Items.TryGetValue(Scalar.AspNetCore.ScalarOptions.NonceHttpContextItemKey, out var value) && value is string nonce)
                {
                    headers.ContentSecurityPolicy = _csp.Replace("script-src 'self'", $"script-src 'self' 'nonce-{nonce}'", StringComparison.Ordinal);
                }

                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}
