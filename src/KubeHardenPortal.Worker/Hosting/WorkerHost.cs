using Hangfire;
using Hangfire.PostgreSql;
using KubeHardenPortal.Contracts.Email;
using KubeHardenPortal.Data;
using KubeHardenPortal.Worker.Features.Email;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KubeHardenPortal.Worker.Hosting;

/// <summary>
/// Composition of the worker process: a generic host (no web server, no listening port) running a Hangfire server
/// on PostgreSQL storage. Connection strings come from configuration:
/// <c>ConnectionStrings:App</c> (khp_app, subject to row-level security) for portal data and
/// <c>ConnectionStrings:Hangfire</c> (khp_jobs, owner of the "hangfire" schema) for job storage.
/// </summary>
public static class WorkerHost
{
    public const string AppConnection = "App";
    public const string HangfireConnection = "Hangfire";

    public static HostApplicationBuilder CreateBuilder(string[] args, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);
        AddWorker(builder.Services, builder.Configuration, builder.Environment);
        return builder;
    }

    public static IServiceCollection AddWorker(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var app = Required(configuration, AppConnection);
        var hangfire = Required(configuration, HangfireConnection);

        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // Jobs get the token when the host stops; the host must wait longer than Hangfire waits for them.
        services.AddOptions<HostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) =>
            host.ShutdownTimeout = worker.Value.JobShutdownTimeout + worker.Value.HostShutdownMargin);

        services.TryAddSingleton(TimeProvider.System);
        services.AddPortalData(app);
        // The Web host encrypts one-time links in job arguments with the shared key ring (IEmailJob.SendProtected*), so the
        // Worker reads section "DataProtection" exactly as the Web does.
        services.AddPortalDataProtection(configuration.GetSection(PortalKeyEncryptionOptions.Section).Get<PortalKeyEncryptionOptions>() ?? new(),
            environment.IsDevelopment());

        services.AddHangfire((sp, config) =>
        {
            var worker = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            ConfigureHangfire(config, hangfire, worker.QueuePollInterval);
            config.UseFilter(new ShortRetentionForEmailJobs());
        });
        services.AddHangfireServer((sp, server) =>
        {
            var worker = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            server.ServerName = worker.ServerName;
            server.Queues = worker.Queues;
            server.WorkerCount = worker.WorkerCount;
            server.SchedulePollingInterval = worker.SchedulePollingInterval;
            server.ShutdownTimeout = worker.JobShutdownTimeout;
            server.StopTimeout = worker.JobShutdownTimeout;
        });

        services.AddScoped<IEmailJob, EmailJob>();
        services.TryAddSingleton<IEmailSender>(sp =>
            sp.GetRequiredService<IOptions<EmailOptions>>().Value.Mode == EmailMode.Smtp
                ? ActivatorUtilities.CreateInstance<SmtpEmailSender>(sp)
                : ActivatorUtilities.CreateInstance<LoggingEmailSender>(sp));
        return services;
    }

    /// <summary>
    /// Storage and serialization every Hangfire client and server of the portal must share (the Web host enqueues
    /// with the same settings): schema "hangfire", type names without assembly versions so a new release still runs
    /// queued jobs, and Hangfire 1.8's compact payloads.
    /// </summary>
    public static IGlobalConfiguration ConfigureHangfire(IGlobalConfiguration config, string connectionString, TimeSpan queuePollInterval) =>
        config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
            {
                SchemaName = Migrations.HangfireSchema,
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = queuePollInterval,
                // A running job keeps extending its lease; a job whose worker was killed is picked up again after
                // minutes instead of the fixed 30-minute default (jobs are idempotent by scan id, PRODUCT.md §9).
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = TimeSpan.FromMinutes(5),
            });

    private static string Required(IConfiguration configuration, string name)
    {
        var value = configuration.GetConnectionString(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"ConnectionStrings:{name} is not configured (environment variable ConnectionStrings__{name})")
            : value;
    }

    // The schema name lives with the roles in the migrations project, which the worker does not reference.
    private static class Migrations
    {
        public const string HangfireSchema = "hangfire";
    }
}
