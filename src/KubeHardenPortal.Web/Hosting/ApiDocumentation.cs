using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace KubeHardenPortal.Web.Hosting;

/// <summary>
/// The OpenAPI document of /api/v1 and its browsable reference page. Both are anonymous and describe the API's shape
/// only: the document is generated from endpoint metadata and never contains organization data or tokens.
/// </summary>
internal static class ApiDocumentation
{
    public const string DocumentPath = "/api/v1/openapi.json";
    public const string ReferencePath = "/api/reference";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = d => d.RelativePath is { } path && path.StartsWith("api/v1/", StringComparison.Ordinal)
                                                              && !path.EndsWith("openapi.json", StringComparison.Ordinal);
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "KubeHardenPortal API";
                document.Info.Version = "v1";
                document.Info.Description =
                    "Authenticate with an organization API token (Settings > API tokens): `Authorization: Bearer khp_...`. "
                    + "Errors are RFC 9457 problem details; requests are rate limited per caller (429).";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["ApiToken"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An organization API token: `khp_<organization id>_<secret>`.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiToken", document)] = [] });
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocumentation(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous().ExcludeFromDescription();
        app.MapScalarApiReference(ReferencePath, o =>
            {
                o.WithTitle("KubeHardenPortal API").WithOpenApiRoutePattern(DocumentPath).WithNonce();
                // Everything the page needs comes from this server, under the portal's strict CSP: no CDN fonts, and none
                // of Scalar's hosted services (AI agent, developer toolbar with share/SDK links, MCP, telemetry).
                o.DefaultFonts = false;
                o.ShowDeveloperTools = DeveloperToolsVisibility.Never;
                o.Telemetry = false;
                o.Agent = new ScalarAgentOptions { Disabled = true };
                o.Mcp = new ScalarMcpOptions { Disabled = true };
                // Before scalar.js: keeps its bundled Zod from probing eval (see the file).
                o.HeadContent = """<script src="/js/scalar-jitless.js"></script>""";
            })
            .AllowAnonymous();
        return app;
    }
}
