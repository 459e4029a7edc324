using KubeHardenPortal.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace KubeHardenPortal.Web.Tests.Infrastructure;

/// <summary>The real Program with its real pipeline, connected as khp_app to the test database.</summary>
public sealed class PortalWebFactory(string appConnectionString, string environment = "Development",
    IReadOnlyDictionary<string, string?>? settings = null) : PortalWebFactoryBase(appConnectionString, environment, settings);

/// <summary>Base for factories that add their own host configuration.</summary>
public class PortalWebFactoryBase(string appConnectionString, string environment = "Development",
    IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.UseSetting("ConnectionStrings:App", appConnectionString);
        builder.UseSetting("ConnectionStrings:Hangfire", JobsConnectionFor(appConnectionString));
        builder.UseSetting("Email:ShowLinksOnPage", "true");
        builder.UseSetting("RateLimits:SignIn:PermitsPerMinute", "10000");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>The same database as the khp_jobs role (Hangfire storage), as the hosts are configured in production.</summary>
    public static string JobsConnectionFor(string appConnectionString) =>
        new NpgsqlConnectionStringBuilder(appConnectionString) { Username = "khp_jobs", Password = PortalDatabase.JobsPassword }.ConnectionString;

    public HttpClient Browserless(string baseAddress = "http://localhost") =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri(baseAddress) });
}
