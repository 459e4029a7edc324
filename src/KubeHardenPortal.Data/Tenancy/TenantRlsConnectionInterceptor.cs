using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace KubeHardenPortal.Data.Tenancy;

/// <summary>
/// Layer 3 of tenant isolation: on every connection open, sets app.tenant_id and app.user_id for PostgreSQL
/// row-level security from the DbContext that opened it. Unset values become empty strings, which the policies
/// read as NULL: no rows (fail closed).
/// </summary>
public sealed class TenantRlsConnectionInterceptor : DbConnectionInterceptor
{
    private const string Sql = "SELECT set_config('app.tenant_id', @t, false), set_config('app.user_id', @u, false)";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var cmd = Command(connection, eventData);
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        await using var cmd = Command(connection, eventData);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlCommand Command(DbConnection connection, ConnectionEndEventData eventData)
    {
        var db = eventData.Context as PortalDbContext;
        var cmd = new NpgsqlCommand(Sql, (NpgsqlConnection)connection);
        cmd.Parameters.AddWithValue("t", db?.CurrentTenantId?.ToString() ?? "");
        cmd.Parameters.AddWithValue("u", db?.CurrentUserId?.ToString() ?? "");
        return cmd;
    }
}
