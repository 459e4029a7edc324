using KubeHardenPortal.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Migrations;

/// <summary>The one place migrations are applied: a separate step before the portal starts (STYLE.md §2.5).</summary>
public static class MigrationRunner
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var owner = Environment.GetEnvironmentVariable("ConnectionStrings__Owner");
        if (string.IsNullOrWhiteSpace(owner))
        {
            await stderr.WriteLineAsync("migrate: ConnectionStrings__Owner is not set");
            return 1;
        }

        try
        {
            await using (var db = DesignTimeDbContextFactory.Create(owner))
            {
                var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                await stdout.WriteLineAsync($"migrate: {pending.Count} pending migration(s){(pending.Count > 0 ? ": " + string.Join(", ", pending) : "")}");
                await db.Database.MigrateAsync(cancellationToken);
            }

            await DatabaseRoles.EnsureAsync(owner,
                Environment.GetEnvironmentVariable("KHP_APP_PASSWORD"),
                Environment.GetEnvironmentVariable("KHP_SYSTEM_PASSWORD"),
                stdout, cancellationToken);
            await stdout.WriteLineAsync("migrate: database is up to date");
            return 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or DbUpdateException or TimeoutException)
        {
            await stderr.WriteLineAsync("migrate: failed: " + ex.Message);
            return 1;
        }
    }
}
