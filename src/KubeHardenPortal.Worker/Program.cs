using KubeHardenPortal.Worker.Hosting;
using Microsoft.Extensions.Hosting;

// The Hangfire worker. `healthcheck` as the only argument checks this worker's heartbeat and exits (0 = healthy).
// It never migrates the database: the migrate step runs first (docker-compose.yml, migrations/README.md).
if (args is ["healthcheck"])
{
    var config = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory }).Configuration;
    return await WorkerHealthCheck.RunAsync(config, Console.Out, CancellationToken.None);
}

using var host = WorkerHost.CreateBuilder(args).Build();
await host.RunAsync();
return 0;
