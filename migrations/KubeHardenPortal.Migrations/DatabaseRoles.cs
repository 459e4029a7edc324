using Npgsql;

namespace KubeHardenPortal.Migrations;

/// <summary>
/// Least-privilege roles: khp_app (Web and Worker: DML only, subject to row-level security) and khp_system
/// (BYPASSRLS, only for the scheduler's cross-tenant reads; never given to the web host).
/// </summary>
public static class DatabaseRoles
{
    public const string App = "khp_app";
    public const string System = "khp_system";

    public static async Task EnsureAsync(string ownerConnection, string? appPassword, string? systemPassword, TextWriter log,
        CancellationToken cancellationToken)
    {
        await using var conn = new NpgsqlConnection(ownerConnection);
        await conn.OpenAsync(cancellationToken);
        await EnsureRoleAsync(conn, App, appPassword, "NOBYPASSRLS", log, cancellationToken);
        await EnsureRoleAsync(conn, System, systemPassword, "BYPASSRLS", log, cancellationToken);
        var database = conn.Database;
        var grants = $"""
            GRANT CONNECT ON DATABASE "{database}" TO {App}, {System};
            GRANT USAGE ON SCHEMA public TO {App}, {System};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {App}, {System};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {App}, {System};
            REVOKE ALL ON TABLE "__EFMigrationsHistory" FROM {App};
            GRANT SELECT ON TABLE "__EFMigrationsHistory" TO {App};
            """;
        await using var cmd = new NpgsqlCommand(grants, conn);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task EnsureRoleAsync(NpgsqlConnection conn, string role, string? password, string rls, TextWriter log,
        CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @r", conn);
        exists.Parameters.AddWithValue("r", role);
        var found = await exists.ExecuteScalarAsync(cancellationToken) is not null;
        if (!found && password is null)
        {
            await log.WriteLineAsync($"migrate: role {role} does not exist and no password was given; skipped");
            return;
        }

        var verb = found ? "ALTER" : "CREATE";
        // Role names are constants; the password goes through quote_literal-equivalent escaping below.
        var sql = $"{verb} ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE {rls}" +
                  (password is null ? "" : $" PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'");
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await log.WriteLineAsync($"migrate: role {role} {(found ? "updated" : "created")}");
    }
}
