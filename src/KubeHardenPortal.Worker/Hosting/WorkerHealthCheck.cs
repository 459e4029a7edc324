using Microsoft.Extensions.Configuration;
using Npgsql;

namespace KubeHardenPortal.Worker.Hosting;

/// <summary>
/// `KubeHardenPortal.Worker healthcheck`: exit 0 when a Hangfire server with this worker's server name has sent a
/// heartbeat recently. The worker opens no port, so container health checks run this instead of an HTTP probe.
/// </summary>
public static class WorkerHealthCheck
{
    public static readonly TimeSpan MaxHeartbeatAge = TimeSpan.FromSeconds(90);

    public static async Task<int> RunAsync(IConfiguration configuration, TextWriter output, CancellationToken cancellationToken)
    {
        var connection = configuration.GetConnectionString(WorkerHost.HangfireConnection);
        var options = new WorkerOptions();
        configuration.GetSection(WorkerOptions.Section).Bind(options);
        if (string.IsNullOrWhiteSpace(connection))
        {
            await output.WriteLineAsync("unhealthy: ConnectionStrings:Hangfire is not configured");
            return 1;
        }

        try
        {
            var csb = new NpgsqlConnectionStringBuilder(connection) { Timeout = 5, CommandTimeout = 5, Pooling = false };
            await using var conn = new NpgsqlConnection(csb.ConnectionString);
            await conn.OpenAsync(cancellationToken);
            // Hangfire server ids are "<server name>:<process id>:<guid>".
            await using var cmd = new NpgsqlCommand(
                "SELECT count(*) FROM hangfire.server WHERE id LIKE @prefix AND lastheartbeat > now() - make_interval(secs => @age)", conn);
            cmd.Parameters.AddWithValue("prefix", options.ServerName.Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + ":%");
            cmd.Parameters.AddWithValue("age", MaxHeartbeatAge.TotalSeconds);
            var alive = (long)(await cmd.ExecuteScalarAsync(cancellationToken) ?? 0L);
            await output.WriteLineAsync(alive > 0 ? $"healthy: server {options.ServerName} is running" : $"unhealthy: no recent heartbeat from {options.ServerName}");
            return alive > 0 ? 0 : 1;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await output.WriteLineAsync($"unhealthy: {ex.Message}");
            return 1;
        }
    }
}
