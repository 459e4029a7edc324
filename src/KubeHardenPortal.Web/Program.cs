using KubeHardenPortal.Web.Features.Account;
using KubeHardenPortal.Web.Features.ApiTokens;
using KubeHardenPortal.Web.Features.Audit;
using KubeHardenPortal.Web.Features.Dashboard;
using KubeHardenPortal.Web.Features.Invitations;
using KubeHardenPortal.Web.Features.Members;
using KubeHardenPortal.Web.Features.Organizations;
using KubeHardenPortal.Web.Features.Teams;
using KubeHardenPortal.Web.Hosting;
using KubeHardenPortal.Web.Security;

var builder = WebApplication.CreateBuilder(args);
builder.Host.UseDefaultServiceProvider(o => { o.ValidateOnBuild = true; o.ValidateScopes = true; });

builder.AddPortalLogging();
builder.Services
    .AddPortalDatabase(builder.Configuration)                           // khp_app role, tenant-bound contexts
    .AddPortalJobsClient(builder.Configuration)                         // Hangfire client (khp_jobs); no server in the web
    .AddPortalIdentity(builder.Configuration, builder.Environment)      // Identity, TOTP, lockout, SSO, keys, email
    .AddSignInRateLimiting()
    .AddApiAccess()                                                     // API tokens (Bearer khp_...), API policy, API rate limit
    .AddApiDocumentation()                                              // OpenAPI document + reference page
    .AddPortalHealthChecks()
    .AddPortalUi()                                                      // Blazor Interactive Server + MudBlazor
    .AddAccount()
    .AddAuditLog()
    .AddOrganizations()
    .AddMembers()
    .AddInvitations()
    .AddDashboard()
    .AddTeams()
    .AddApiTokens()
    .AddDemoSeeder();

var app = builder.Build();

if (DemoSeeder.IsRequested(args))
{
    return await DemoSeeder.RunAsync(app.Services, Console.Out, CancellationToken.None);
}

app.UsePortalPipeline();            // headers, errors, auth, tenant resolution, rate limits, antiforgery
app.MapPortalHealthChecks();        // /healthz, /readyz
app.MapAccountEndpoints();          // sign-out, SSO challenge
app.MapGroup("/api/organizations").MapOrganizationApi();

var api = app.MapPortalApi("/api/v1");  // signed-in user or API token; rate limited; problem details
api.MapGroup("/organization").MapOrganizationEndpoints();
api.MapGroup("/members").MapMemberEndpoints();
api.MapGroup("/teams").MapTeamEndpoints();
api.MapGroup("/audit-events").MapAuditEventEndpoints();
api.MapGroup("/api-tokens").MapApiTokenEndpoints();
app.MapApiDocumentation();          // /api/v1/openapi.json, /api/reference

app.MapPortalUi();                  // pages

await app.RunAsync();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
