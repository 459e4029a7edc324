using KubeHardenPortal.Data.Tenancy;
using KubeHardenPortal.Data.Teams;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Data.Tests.Tenancy;

/// <summary>Each layer of tenant isolation, tested on its own against real PostgreSQL (STYLE.md §2.7).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class TenantIsolationTests(DatabaseFixture f)
{
    // Layer 1: the named EF query filter.
    [Fact]
    public async Task QueryFilter_TenantB_SeesNoneOfTenantAsTeams()
    {
        await using var db = f.Db.AppContext(f.TenantB, f.UserB);
        var names = await db.Teams.Select(t => t.Name).ToListAsync();
        Assert.Equal(["beta-team"], names);
    }

    [Fact]
    public async Task QueryFilter_NoTenant_SeesNothing()
    {
        await using var db = f.Db.AppContext(null);
        Assert.Empty(await db.Teams.ToListAsync());
    }

    // Layer 2: the SaveChanges guard.
    [Fact]
    public async Task SaveGuard_AddWithoutTenant_Throws()
    {
        await using var db = f.Db.AppContext(null);
        db.Teams.Add(new Team { Name = "x" });
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task SaveGuard_AddForOtherTenant_Throws()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        db.Teams.Add(new Team { TenantId = f.TenantB, Name = "smuggled" });
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task SaveGuard_AddStampsTheCurrentTenant()
    {
        await using (var db = f.Db.AppContext(f.TenantA, f.UserA))
        {
            db.Teams.Add(new Team { Name = "stamped-" + Guid.NewGuid().ToString("N")[..6] });
            await db.SaveChangesAsync();
        }

        await using var owner = f.Db.OwnerContext();
        Assert.True(await owner.Teams.AnyAsync(t => t.Name.StartsWith("stamped-") && t.TenantId == f.TenantA));
    }

    [Fact]
    public async Task SaveGuard_ModifyRowOfOtherTenant_Throws()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        var foreign = new Team { Id = Guid.NewGuid(), TenantId = f.TenantB, Name = "beta-team" };
        db.Teams.Attach(foreign);
        foreign.Name = "renamed";
        await Assert.ThrowsAsync<TenantMismatchException>(() => db.SaveChangesAsync());
    }

    // Layer 3: PostgreSQL row-level security, through the application role with raw SQL.
    [Fact]
    public async Task Rls_RawSqlAsAppRole_ReturnsZeroRowsOfAnotherTenant()
    {
        await using var db = f.Db.AppContext(f.TenantB, f.UserB);
        var count = await db.Database.SqlQueryRaw<int>(
            "SELECT count(*)::int AS \"Value\" FROM teams WHERE tenant_id = {0}", f.TenantA).SingleAsync();
        Assert.Equal(0, count);
    }

    [Fact]
    public async Task Rls_IgnoringTheQueryFilter_StillReturnsOnlyOwnTenant()
    {
        await using var db = f.Db.AppContext(f.TenantB, f.UserB);
        var tenants = await db.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).Select(t => t.TenantId).Distinct().ToListAsync();
        Assert.Equal([f.TenantB], tenants);
    }

    [Fact]
    public async Task Rls_NoTenantSet_ReturnsNothingEvenWithoutFilters()
    {
        await using var db = f.Db.AppContext(null);
        Assert.Empty(await db.Teams.IgnoreQueryFilters([PortalDbContext.TenantFilter]).ToListAsync());
    }

    [Fact]
    public async Task Rls_RawInsertIntoAnotherTenant_IsRejectedByThePolicy()
    {
        await using var conn = new NpgsqlConnection(f.Db.AppConnectionString);
        await conn.OpenAsync();
        await using (var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', @t, false)", conn))
        {
            set.Parameters.AddWithValue("t", f.TenantA.ToString());
            await set.ExecuteNonQueryAsync();
        }

        await using var insert = new NpgsqlCommand(
            "INSERT INTO teams (id, tenant_id, name, created_at) VALUES (gen_random_uuid(), @b, 'evil', now())", conn);
        insert.Parameters.AddWithValue("b", f.TenantB);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
        Assert.Equal("42501", ex.SqlState); // insufficient_privilege: new row violates row-level security policy
    }

    [Fact]
    public async Task Rls_RawUpdateOfAnotherTenant_TouchesNoRows()
    {
        await using var db = f.Db.AppContext(f.TenantA, f.UserA);
        var changed = await db.Database.ExecuteSqlRawAsync("UPDATE teams SET name = 'pwned' WHERE tenant_id = {0}", f.TenantB);
        Assert.Equal(0, changed);
    }

    [Fact]
    public async Task Rls_UserSeesOwnMembershipsAcrossTenants_ButNotOtherUsers()
    {
        await using var db = f.Db.AppContext(null, f.UserA);
        var rows = await db.Memberships.IgnoreQueryFilters([PortalDbContext.TenantFilter]).ToListAsync();
        Assert.All(rows, m => Assert.Equal(f.UserA, m.UserId));
        Assert.Contains(rows, m => m.TenantId == f.TenantA);
    }

    [Fact]
    public async Task AppRole_CannotBypassRls()
    {
        await using var conn = new NpgsqlConnection(f.Db.AppConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user", conn);
        Assert.Equal(false, await cmd.ExecuteScalarAsync());
    }
}
