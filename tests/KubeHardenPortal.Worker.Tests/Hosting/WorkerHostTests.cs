using KubeHardenPortal.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace KubeHardenPortal.Worker.Tests.Hosting;

[Collection(WorkerCollection.Name)]
public sealed class WorkerHostTests(WorkerFixture f)
{
    [Fact]
    public async Task TheStartedWorker_RegistersItsHangfireServer_BeforeThereAreAnyJobs()
    {
        await using var conn = new NpgsqlConnection(f.Db.JobsConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id, data FROM hangfire.server WHERE id LIKE @p", conn);
        cmd.Parameters.AddWithValue("p", f.ServerName + ":%");
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync(), "the worker is not in hangfire.server");
        var data = r.GetString(1);
        Assert.Contains("notifications", data, StringComparison.Ordinal);
        Assert.Contains("scans", data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_IsHealthyForThisServer_AndUnhealthyForAnother()
    {
        var output = new StringWriter();
        Assert.Equal(0, await WorkerHealthCheck.RunAsync(f.Configuration, output, CancellationToken.None));
        var other = new ConfigurationBuilder().AddInMemoryCollection(WorkerFixture.Settings(f.Db, "worker-nobody")).Build();
        Assert.Equal(1, await WorkerHealthCheck.RunAsync(other, output, CancellationToken.None));
        Assert.DoesNotContain(PortalDatabaseSecrets.JobsPassword, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HostShutdownTimeout_ExceedsHangfiresJobShutdownTimeout()
    {
        var host = f.Host.Services.GetRequiredService<IOptions<HostOptions>>().Value;
        var worker = f.Host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(5), worker.JobShutdownTimeout);
        Assert.True(host.ShutdownTimeout > worker.JobShutdownTimeout, $"{host.ShutdownTimeout} <= {worker.JobShutdownTimeout}");
    }

    [Fact]
    public void MissingConnectionString_FailsAtStart_NamingTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => WorkerHost.CreateBuilder([], b =>
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:App"] = "",
                ["ConnectionStrings:Hangfire"] = f.Db.JobsConnectionString,
            })));
        Assert.Contains("ConnectionStrings:App", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PortalDatabaseSecrets.JobsPassword, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidWorkerOptions_StopTheHostBeforeAnyServerStarts()
    {
        var settings = WorkerFixture.Settings(f.Db, "worker-invalid");
        settings["Worker:Queues:0"] = "Not-Lowercase";
        // Options are validated when the host is built or started, before the Hangfire server runs.
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            using var host = WorkerHost.CreateBuilder([], b =>
            {
                b.Configuration.AddInMemoryCollection(settings);
                b.Logging.ClearProviders();
            }).Build();
            await host.StartAsync();
        });
        Assert.Contains("lowercase", ex.Message, StringComparison.Ordinal);
    }
}

internal static class PortalDatabaseSecrets
{
    public const string JobsPassword = Testing.PortalDatabase.JobsPassword;
}
