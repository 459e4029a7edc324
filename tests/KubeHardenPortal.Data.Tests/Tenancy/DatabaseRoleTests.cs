using KubeHardenPortal.Migrations;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Data.Tests.Tenancy;

/// <summary>The roles behind layer 3: khp_app cannot get around RLS; khp_system reads across tenants and writes nothing.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DatabaseRoleTests(DatabaseFixture f)
{
    [Theory]
    [InlineData(DatabaseRoles.App)]
    [InlineData(DatabaseRoles.Jobs)]
    [InlineData(DatabaseRoles.System)]
    public async Task Role_IsNotSuperuser_CannotCreateRolesOrDatabases(string role)
    {
        await using var conn = new NpgsqlConnection(f.Db.OwnerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication FROM pg_roles WHERE rolname = @r", conn);
        cmd.Parameters.AddWithValue("r", role);
        Assert.Equal(false, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task AppRole_HasNoBypassRls_AsSeenFromItsOwnSession()
    {
        await using var conn = await OpenAsync(f.Db.AppConnectionString);
        Assert.Equal(false, await ScalarAsync(conn, "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user"));
        Assert.Equal(DatabaseRoles.App, await ScalarAsync(conn, "SELECT current_user::text"));
    }

    [Theory]
    [InlineData("ALTER TABLE teams DISABLE ROW LEVEL SECURITY")]
    [InlineData("ALTER TABLE teams NO FORCE ROW LEVEL SECURITY")]
    [InlineData("DROP POLICY tenant_isolation ON teams")]
    [InlineData("CREATE TABLE evil (id int)")]
    [InlineData("SET ROLE khp_system")]
    [InlineData("INSERT INTO \"__EFMigrationsHistory\" VALUES ('x', 'y')")]
    public async Task AppRole_CannotChangeTheSchemaOrEscalate(string sql)
    {
        await using var conn = await OpenAsync(f.Db.AppConnectionString);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(conn, sql));
        Assert.Contains(ex.SqlState, new[] { PostgresErrorCodes.InsufficientPrivilege, "42501" });
    }

    [Fact]
    public async Task SystemRole_ReadsAcrossTenants()
    {
        await using var db = f.Db.SystemContext();
        var tenants = await db.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).Select(t => t.TenantId).Distinct().ToListAsync();
        Assert.Contains(f.TenantA, tenants);
        Assert.Contains(f.TenantB, tenants);
    }

    [Fact]
    public async Task SystemRole_WritesNothing()
    {
        await using var conn = await OpenAsync(f.Db.SystemConnectionString);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(conn, "UPDATE teams SET name = name"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Fact]
    public async Task JobsRole_OwnsTheHangfireSchema_AndCannotReadPortalTables()
    {
        await using var conn = await OpenAsync(f.Db.JobsConnectionString);
        Assert.Equal(DatabaseRoles.Jobs, await ScalarAsync(conn,
            "SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = 'hangfire'"));
        var ex = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(conn, "SELECT count(*) FROM teams"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        return conn;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteNonQueryAsync();
    }
}
