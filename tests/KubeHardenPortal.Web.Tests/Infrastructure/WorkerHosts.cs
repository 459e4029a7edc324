using Hangfire.Logging;
using KubeHardenPortal.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeHardenPortal.Web.Tests.Infrastructure;

/// <summary>Real Worker hosts beside the web hosts of a test, on the fixture's database.</summary>
public static class WorkerHosts
{
    public static async Task<IHost> StartAsync(PortalFixture f, IReadOnlyDictionary<string, string?> settings,
        Action<IServiceCollection>? services = null)
    {
        var worker = WorkerHost.CreateBuilder([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:App"] = f.Db.AppConnectionString,
                ["ConnectionStrings:Hangfire"] = f.Db.JobsConnectionString,
                ["Worker:ServerName"] = "web-tests-" + Guid.NewGuid().ToString("N")[..8],
                ["Worker:QueuePollInterval"] = "00:00:00.200",
                ["Worker:SchedulePollingInterval"] = "00:00:01",
                ["Worker:JobShutdownTimeout"] = "00:00:05",
                ["Worker:WorkerCount"] = "1",
            });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            services?.Invoke(builder.Services);
        }).Build();
        await worker.StartAsync();
        return worker;
    }

    /// <summary>
    /// Stops and disposes the worker, then forgets Hangfire's process-wide log provider, which the worker pointed at its
    /// own (now disposed) logger factory: a web host of the same test process creating a job client later would fail.
    /// </summary>
    public static async Task StopAsync(IHost worker)
    {
        await worker.StopAsync();
        worker.Dispose();
        LogProvider.SetCurrentLogProvider(null);
    }
}
