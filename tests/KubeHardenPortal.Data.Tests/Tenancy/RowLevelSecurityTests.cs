using KubeHardenPortal.Data.Teams;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Data.Tests.Tenancy;

/// <summary>
/// Layer 3: PostgreSQL row-level security, always through the application role khp_app (the owner is a superuser
/// here and would prove nothing). These paths skip the EF filter and the save guard on purpose.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class RowLevelSecurityTests(DatabaseFixture f)
{
    [Fact]
    public async Task RawSqlAsAppRole_ReturnsZeroRowsOfAnotherTenant()
    {
        await using var db = f.Db.AppContext(f.TenantB, f.UserB);
        foreach (var table in new[] { "teams", "memberships", "team_members", "invitations", "audit_events", "api_tokens" })
        {
#pragma warning disable EF1003 // The table names are the constants above.
            var count = await db.Database.SqlQueryRaw<int>(
                "SELECT count(*)::int AS \"Value\" FROM " + table + " WHERE tenant_id = {0}", f.TenantA).SingleAsync();
#pragma warning restore EF1003
            Assert.True(count == 0, $"{table}: {count} rows of tenant A visible to tenant B");
        }
    }

    [Fact]
    public async Task IgnoringTheQueryFilter_StillReturnsOnlyOwnTenant()
    {
        await using var db = f.Db.AppContext(f.TenantB, f.UserB);
        var tenants = await db.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).Select(t => t.TenantId).Distinct().ToListAsync();
        Assert.Equal([f.TenantB], tenants);
    }

    [Fact]
    public async Task NoTenantSet_ReturnsNothing_EvenWithoutFilters()
    {
        await using var db = f.Db.AppContext(null);
        Assert.Empty(await db.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).ToListAsync());
        Assert.Empty(await db.Organizations.ToListAsync());
    }

    [Fact]
    public async Task ASettingThatWasNeverSet_OrIsEmpty_MatchesNothing_AndNeverFailsTheCast()
    {
        await using var conn = await OpenAppAsync(tenant: null, user: null, setAnything: false);
        Assert.Equal(0L, await ScalarAsync(conn, "SELECT count(*) FROM teams"));
        await using var empty = await OpenAppAsync(tenant: "", user: "");
        Assert.Equal(0L, await ScalarAsync(empty, "SELECT count(*) FROM teams"));
        Assert.Equal(0L, await ScalarAsync(empty, "SELECT count(*) FROM organizations"));
        Assert.Equal(0L, await ScalarAsync(empty, "SELECT count(*) FROM memberships"));
    }

    [Fact]
    public async Task ExecuteUpdateAndExecuteDelete_AcrossTenants_TouchNoRows()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        var foreign = db.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).Where(t => t.TenantId == f.TenantB);
        Assert.Equal(0, await foreign.ExecuteUpdateAsync(s => s.SetProperty(t => t.Name, "pwned")));
        Assert.Equal(0, await foreign.ExecuteDeleteAsync());
        Assert.Equal(0, await db.Memberships.IgnoreQueryFilters([PortalDbContext.TenantFilter])
            .Where(m => m.TenantId == f.TenantB).ExecuteDeleteAsync());
        await using var owner = f.Db.OwnerContext();
        Assert.True(await owner.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).AnyAsync(t => t.Id == f.T.TeamB && t.Name == "beta-team"));
    }

    [Fact]
    public async Task RawInsertIntoAnotherTenant_IsRejectedByThePolicy()
    {
        await using var conn = await OpenAppAsync(f.TenantA.ToString(), null);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO teams (id, tenant_id, name, created_at) VALUES (gen_random_uuid(), @b, 'evil', now())", conn);
        insert.Parameters.AddWithValue("b", f.TenantB);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState); // new row violates row-level security policy
    }

    [Fact]
    public async Task RawUpdateMovingAnOwnRowToAnotherTenant_IsRejectedByThePolicy()
    {
        await using var conn = await OpenAppAsync(f.TenantA.ToString(), null);
        await using var update = new NpgsqlCommand("UPDATE teams SET tenant_id = @b WHERE id = @id", conn);
        update.Parameters.AddWithValue("b", f.TenantB);
        update.Parameters.AddWithValue("id", f.T.TeamA);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Fact]
    public async Task RawUpdateOfAnotherTenant_TouchesNoRows()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        var changed = await db.Database.ExecuteSqlRawAsync("UPDATE teams SET name = 'pwned' WHERE tenant_id = {0}", f.TenantB);
        Assert.Equal(0, changed);
    }

    [Fact]
    public async Task UserSeesOwnMembershipsAcrossTenants_ButNotOtherUsers()
    {
        await using var db = f.Db.AppContext(null, f.UserC);
        var rows = await db.Memberships.IgnoreQueryFilters([PortalDbContext.TenantFilter]).ToListAsync();
        Assert.All(rows, m => Assert.Equal(f.UserC, m.UserId));
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public async Task OwnMembershipsInOtherTenants_AreReadOnly()
    {
        // UserC works in tenant B; their membership row in tenant A is visible but cannot be changed or deleted.
        await using var conn = await OpenAppAsync(f.TenantB.ToString(), f.UserC.ToString());
        Assert.Equal(2L, await ScalarAsync(conn, $"SELECT count(*) FROM memberships WHERE user_id = '{f.UserC}'"));
        Assert.Equal(0, await ExecuteAsync(conn, $"UPDATE memberships SET role = 'Owner' WHERE tenant_id = '{f.TenantA}' AND user_id = '{f.UserC}'"));
        Assert.Equal(0, await ExecuteAsync(conn, $"DELETE FROM memberships WHERE tenant_id = '{f.TenantA}' AND user_id = '{f.UserC}'"));
        var ex = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(conn,
            $"INSERT INTO memberships (id, tenant_id, user_id, role, joined_at) VALUES (gen_random_uuid(), '{f.TenantA}', '{f.UserB}', 'Owner', now())"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Fact]
    public async Task Organizations_ReadableAsCurrentTenantOrThroughAMembership_WritableOnlyAsCurrentTenant()
    {
        await using (var a = await OpenAppAsync(f.TenantA.ToString(), f.UserA.ToString()))
        {
            Assert.Equal(1L, await ScalarAsync(a, $"SELECT count(*) FROM organizations WHERE id IN ('{f.TenantA}', '{f.TenantB}')"));
        }

        await using (var noTenant = await OpenAppAsync(null, f.UserA.ToString()))
        {
            // The organization switcher before a tenant is chosen: the user's own organizations.
            Assert.Equal(1L, await ScalarAsync(noTenant, $"SELECT count(*) FROM organizations WHERE id = '{f.TenantA}'"));
            Assert.Equal(0L, await ScalarAsync(noTenant, $"SELECT count(*) FROM organizations WHERE id = '{f.TenantB}'"));
        }

        await using var c = await OpenAppAsync(f.TenantA.ToString(), f.UserC.ToString());
        Assert.Equal(2L, await ScalarAsync(c, $"SELECT count(*) FROM organizations WHERE id IN ('{f.TenantA}', '{f.TenantB}')"));
        Assert.Equal(0, await ExecuteAsync(c, $"UPDATE organizations SET name = 'pwned' WHERE id = '{f.TenantB}'"));
        Assert.Equal(0, await ExecuteAsync(c, $"DELETE FROM organizations WHERE id = '{f.TenantB}'"));
        Assert.Equal(1, await ExecuteAsync(c, $"UPDATE organizations SET name = 'Alpha' WHERE id = '{f.TenantA}'"));
    }

    [Fact]
    public async Task AChildRow_CannotReferenceAnotherTenantsTeam()
    {
        // Foreign-key checks ignore row-level security, so team_members -> teams is keyed by (tenant_id, team_id).
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        db.TeamMembers.Add(new TeamMember { Id = Guid.NewGuid(), TeamId = f.T.TeamB, UserId = f.UserA, Role = TeamRole.Maintainer });
        var ex = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, Assert.IsType<PostgresException>(ex.InnerException).SqlState);
    }

    [Fact]
    public async Task APooledConnection_ReusedWithoutATenant_SeesNothing()
    {
        // The interceptor sets the tenant on every open; a physical connection that served tenant A is reset.
        for (var i = 0; i < 3; i++)
        {
            await using (var a = f.Db.AppContext(f.TenantA, f.UserA))
            {
                Assert.NotEmpty(await a.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).ToListAsync());
            }

            await using var none = f.Db.AppContext(null);
            Assert.Empty(await none.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).ToListAsync());
        }
    }

    [Fact]
    public async Task GlobalTables_DataProtectionKeysAndUsers_AreSharedAcrossTenants()
    {
        var name = "key-" + Guid.NewGuid().ToString("N")[..8];
        await using (var a = f.Db.AppContext(f.TenantA, f.UserA))
        {
            a.DataProtectionKeys.Add(new() { FriendlyName = name, Xml = "<key/>" });
            await a.SaveChangesAsync();
        }

        await using var none = f.Db.AppContext(null);
        Assert.True(await none.DataProtectionKeys.AnyAsync(k => k.FriendlyName == name));
        Assert.True(await none.Users.AnyAsync(u => u.Id == f.UserB));
    }

    private async Task<NpgsqlConnection> OpenAppAsync(string? tenant, string? user, bool setAnything = true)
    {
        // Unpooled, so "never set" really is a fresh session.
        var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(f.Db.AppConnectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        if (setAnything)
        {
            await using var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', @t, false), set_config('app.user_id', @u, false)", conn);
            set.Parameters.AddWithValue("t", tenant ?? "");
            set.Parameters.AddWithValue("u", user ?? "");
            await set.ExecuteNonQueryAsync();
        }

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
