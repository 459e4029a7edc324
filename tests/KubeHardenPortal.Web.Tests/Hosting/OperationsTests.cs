using System.Net;
using KubeHardenPortal.Data;
using KubeHardenPortal.Testing;
using KubeHardenPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace KubeHardenPortal.Web.Tests.Hosting;

[Collection(PortalCollection.Name)]
public sealed class OperationsTests(PortalFixture f)
{
    [Fact]
    public async Task Healthz_ProcessUp_Returns200()
    {
        var response = await f.Web.Browserless().GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_MigratedDatabase_Returns200()
    {
        var response = await f.Web.Browserless().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"migrated\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_DatabaseWithoutMigrations_Returns503()
    {
        await using var empty = await PortalDatabase.CreateEmptyAsync(f.Server);
        var app = new NpgsqlConnectionStringBuilder(f.Db.AppConnectionString) { Database = empty.Name }.ConnectionString;
        await using var web = new PortalWebFactory(app);
        var response = await web.Browserless().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("pending migration", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_DatabaseUnreachable_Returns503_AndHealthzStays200()
    {
        await using var web = new PortalWebFactory("Host=127.0.0.1;Port=1;Database=x;Username=khp_app;Password=x;Timeout=2");
        var client = web.Browserless();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Pages_CarrySecurityHeaders()
    {
        var response = await f.Web.Browserless().GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "no HSTS in Development");
    }

    [Fact]
    public async Task Hsts_OutsideDevelopment_IsSentOverHttps()
    {
        await using var web = new PortalWebFactory(f.Db.AppConnectionString, environment: "Production");
        var response = await web.Browserless("https://portal.example.com").GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaticAssets_AreServed()
    {
        var client = f.Web.Browserless();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/app.css")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/_content/MudBlazor/MudBlazor.min.css")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/js/portal.js")).StatusCode);
    }

    [Fact]
    public async Task RuntimeModel_MatchesTheMigrations()
    {
        // The web host's Identity options shape the model (e.g. the Identity schema version): it must equal the
        // model the migrations were generated from, or queries would hit columns that do not exist.
        using var scope = f.Web.Services.CreateScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public async Task SignInPosts_AreRateLimited_ButViewingIsNot()
    {
        await using var web = new PortalWebFactory(f.Db.AppConnectionString,
            settings: new Dictionary<string, string?> { ["RateLimits:SignIn:PermitsPerMinute"] = "2" });
        var client = web.Browserless();
        var form = new Dictionary<string, string> { ["Input.Email"] = "nobody@example.org", ["Input.Password"] = "wrong-password" };
        Assert.Equal(HttpStatusCode.OK, (await Forms.SubmitAsync(client, "/Account/Login", "login", form)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Forms.SubmitAsync(client, "/Account/Login", "login", form)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Forms.SubmitAsync(client, "/Account/Login", "login", form)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Login")).StatusCode);
    }
}
