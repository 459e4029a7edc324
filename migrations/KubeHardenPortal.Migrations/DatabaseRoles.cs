using Npgsql;

namespace KubeHardenPortal.Migrations;

/// <summary>
/// Least-privilege roles, (re)granted after every migration run so new tables are covered:
/// khp_app (Web and Worker: DML only, subject to row-level security), khp_system (BYPASSRLS, read-only, only for
/// the scheduler's cross-tenant reads; never given to the web host) and khp_jobs (owns the "hangfire" schema for
/// Hangfire's storage and has no rights on portal tables).
/// </summary>
public static class DatabaseRoles
{
    public const string App = "khp_app";
    public const string System = "khp_system";
    public const string Jobs = "khp_jobs";
    public const string HangfireSchema = "hangfire";

    public sealed record Passwords(string? App, string? System, string? Jobs)
    {
        public static Passwords FromEnvironment() => new(
            Environment.GetEnvironmentVariable("KHP_APP_PASSWORD"),
            Environment.GetEnvironmentVariable("KHP_SYSTEM_PASSWORD"),
            Environment.GetEnvironmentVariable("KHP_JOBS_PASSWORD"));
    }

    public static async Task EnsureAsync(string ownerConnection, Passwords passwords, TextWriter log, CancellationToken cancellationToken)
    {
        await using var conn = new NpgsqlConnection(ownerConnection);
        await conn.OpenAsync(cancellationToken);
        // Roles are cluster-wide: serialize concurrent runners (several databases on one server, replicas).
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext('khp_database_roles'))", conn))
        {
            await lockCmd.ExecuteNonQueryAsync(cancellationToken);
        }

        var app = await EnsureRoleAsync(conn, App, passwords.App, "NOBYPASSRLS", log, cancellationToken);
        var system = await EnsureRoleAsync(conn, System, passwords.System, "BYPASSRLS", log, cancellationToken);
        var jobs = await EnsureRoleAsync(conn, Jobs, passwords.Jobs, "NOBYPASSRLS", log, cancellationToken);
        var database = conn.Database.Replace("\"", "\"\"", StringComparison.Ordinal);

        var sql = new List<string>();
        if (app)
        {
            sql.Add($"""
                GRANT CONNECT ON DATABASE "{database}" TO {App};
                GRANT USAGE ON SCHEMA public TO {App};
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {App};
                GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {App};
                REVOKE ALL ON TABLE "__EFMigrationsHistory" FROM {App};
                GRANT SELECT ON TABLE "__EFMigrationsHistory" TO {App};
                """);
        }

        if (system)
        {
            sql.Add($"""
                GRANT CONNECT ON DATABASE "{database}" TO {System};
                GRANT USAGE ON SCHEMA public TO {System};
                GRANT SELECT ON ALL TABLES IN SCHEMA public TO {System};
                """);
        }

        if (jobs)
        {
            // Hangfire.PostgreSql installs and upgrades its own tables in this schema when a server starts.
            sql.Add($"""
                GRANT CONNECT ON DATABASE "{database}" TO {Jobs};
                CREATE SCHEMA IF NOT EXISTS {HangfireSchema} AUTHORIZATION {Jobs};
                ALTER SCHEMA {HangfireSchema} OWNER TO {Jobs};
                """);
        }

        if (sql.Count > 0)
        {
            await using var cmd = new NpgsqlCommand(string.Join('\n', sql), conn);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <returns>Whether the role exists afterwards.</returns>
    private static async Task<bool> EnsureRoleAsync(NpgsqlConnection conn, string role, string? password, string rls, TextWriter log,
        CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @r", conn);
        exists.Parameters.AddWithValue("r", role);
        var found = await exists.ExecuteScalarAsync(cancellationToken) is not null;
        if (!found && string.IsNullOrEmpty(password))
        {
            await log.WriteLineAsync($"migrate: role {role} does not exist and no password was given; skipped");
            return false;
        }

        var verb = found ? "ALTER" : "CREATE";
        // Role names are constants. PASSWORD takes no bind parameter, so the literal is escaped (standard strings).
        var sql = $"{verb} ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION {rls}" +
                  (string.IsNullOrEmpty(password) ? "" : $" PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'");
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await log.WriteLineAsync($"migrate: role {role} {(found ? "updated" : "created")}");
        return true;
    }
}
