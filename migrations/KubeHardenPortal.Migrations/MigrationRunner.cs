using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Migrations;

/// <summary>The one place migrations are applied: a separate step before the portal starts (STYLE.md §2.5).</summary>
public static class MigrationRunner
{
    /// <summary>
    /// Applies pending migrations with <paramref name="ownerConnection"/>, then creates or updates the
    /// least-privilege roles. Returns the process exit code: 0 on success, 1 on any failure (the message names it,
    /// never the connection string).
    /// </summary>
    public static async Task<int> RunAsync(string? ownerConnection, DatabaseRoles.Passwords passwords, TextWriter stdout,
        TextWriter stderr, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(ownerConnection))
        {
            await stderr.WriteLineAsync("migrate: ConnectionStrings__Owner is not set");
            return 1;
        }

        try
        {
            await WaitForServerAsync(ownerConnection, stdout, cancellationToken);
            await using (var db = DesignTimeDbContextFactory.Create(ownerConnection))
            {
                var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                await stdout.WriteLineAsync(
                    $"migrate: {pending.Count} pending migration(s){(pending.Count > 0 ? ": " + string.Join(", ", pending) : "")}");
                await db.Database.MigrateAsync(cancellationToken);
            }

            await DatabaseRoles.EnsureAsync(ownerConnection, passwords, stdout, cancellationToken);
            await stdout.WriteLineAsync("migrate: database is up to date");
            return 0;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("migrate: cancelled");
            return 1;
        }
#pragma warning disable CA1031 // A one-shot process: every failure becomes a message and a non-zero exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await stderr.WriteLineAsync($"migrate: failed: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }

    // The database container may still be starting (or restarting after init scripts) when we start.
    private static async Task WaitForServerAsync(string ownerConnection, TextWriter stdout, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var conn = new NpgsqlConnection(ownerConnection);
                await conn.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && attempt < 15)
            {
                await stdout.WriteLineAsync($"migrate: database not reachable yet (attempt {attempt}): {ex.Message}");
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }
}
