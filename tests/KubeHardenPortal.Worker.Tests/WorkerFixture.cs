using System.Collections.Concurrent;
using Hangfire;
using Hangfire.Storage;
using KubeHardenPortal.Testing;
using KubeHardenPortal.Worker.Features.Email;
using KubeHardenPortal.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeHardenPortal.Worker.Tests;

/// <summary>
/// One PostgreSQL, one migrated database (two tenants) and one running worker host for the assembly — Hangfire keeps
/// global state, so a single server per process is also the honest setup.
/// </summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PortalDatabase Db { get; private set; } = null!;

    public TwoTenants T { get; } = TwoTenants.New();

    public IHost Host { get; private set; } = null!;

    public CapturingEmailSender Emails { get; } = new();

    public string ServerName { get; } = "worker-test-" + Guid.NewGuid().ToString("N")[..8];

    public IConfiguration Configuration { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartAsync();
        Db = await PortalDatabase.CreateAsync(_server);
        await T.SeedAsync(Db);
        Host = WorkerHost.CreateBuilder([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(Settings(Db, ServerName));
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IEmailSender>(Emails);
        }).Build();
        Configuration = Host.Services.GetRequiredService<IConfiguration>();
        await Host.StartAsync();
    }

    public static Dictionary<string, string?> Settings(PortalDatabase db, string serverName) => new()
    {
        ["ConnectionStrings:App"] = db.AppConnectionString,
        ["ConnectionStrings:Hangfire"] = db.JobsConnectionString,
        ["Worker:ServerName"] = serverName,
        ["Worker:QueuePollInterval"] = "00:00:00.200",
        ["Worker:SchedulePollingInterval"] = "00:00:01",
        ["Worker:JobShutdownTimeout"] = "00:00:05",
        ["Worker:WorkerCount"] = "2",
        ["Email:Mode"] = "Log",
    };

    /// <summary>Waits until the job reaches a final state (Succeeded, Failed or Deleted) and returns it.</summary>
    public async Task<string> WaitForJobAsync(string jobId, TimeSpan? timeout = null)
    {
        var api = Host.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var deadline = TimeProvider.System.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(30));
        string? state = null;
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            state = api.JobDetails(jobId)?.History.FirstOrDefault()?.StateName;
            if (state is "Succeeded" or "Failed" or "Deleted")
            {
                return state;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"job {jobId} still {state ?? "unknown"}");
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.StopAsync();
            Host.Dispose();
        }

        await Db.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

public sealed class CapturingEmailSender : IEmailSender
{
    public ConcurrentQueue<EmailMessage> Sent { get; } = new();

    /// <summary>When set, messages also go through this sender (e.g. the real SMTP one); a failure fails the job.</summary>
    public IEmailSender? Relay { get; set; }

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        if (Relay is { } relay)
        {
            await relay.SendAsync(message, cancellationToken);
        }

        Sent.Enqueue(message);
    }
}

[CollectionDefinition(Name)]
public sealed class WorkerCollection : ICollectionFixture<WorkerFixture>
{
    public const string Name = "worker";
}
