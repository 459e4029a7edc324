using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace KubeHardenPortal.Web.Hosting;

/// <summary>
/// The web host is a Hangfire <em>client</em>: it enqueues into the Worker's PostgreSQL storage (ConnectionStrings:Hangfire,
/// the khp_jobs role) and never runs a Hangfire server, so no job code executes in the web process.
/// </summary>
/// <remarks>
/// The storage and the client are this host's own singletons rather than Hangfire's global JobStorage.Current, so two
/// hosts in one process (tests) or a later in-process server cannot swap the storage under the web.
/// </remarks>
internal static class PortalJobs
{
    public const string Connection = "Hangfire";

    public static IServiceCollection AddPortalJobsClient(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = configuration.GetConnectionString(Connection);
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Hangfire is not set (environment variable ConnectionStrings__Hangfire): the portal enqueues jobs as the khp_jobs role.");
        }

        services.AddSingleton<JobStorage>(_ =>
        {
            // Must match WorkerHost.ConfigureHangfire (which the Web cannot reference): Hangfire 1.8 payloads and type
            // names without assembly versions. Process-wide in Hangfire, identical in both hosts, so setting it again is
            // harmless. The invitation e-mail end-to-end test runs a real Worker on what the Web enqueued.
            GlobalConfiguration.Configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            var options = new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                // The Worker installs and upgrades Hangfire's tables; the Web does no DDL, and so builds its storage
                // without connecting (a jobs database outage fails one enqueue, which the caller handles, not every page).
                PrepareSchemaIfNecessary = false,
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connection, options), options);
        });
        services.AddSingleton<IBackgroundJobClient>(sp => new BackgroundJobClient(sp.GetRequiredService<JobStorage>()));
        return services;
    }
}
