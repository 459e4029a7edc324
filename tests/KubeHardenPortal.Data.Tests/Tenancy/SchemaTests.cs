using KubeHardenPortal.Data.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KubeHardenPortal.Data.Tests.Tenancy;

/// <summary>
/// Every tenant table has RLS enabled and forced, a policy, and an index that leads with tenant_id — read from the
/// catalog (any table with a tenant_id column) and from the EF model (every ITenantOwned entity), so neither a
/// hand-written table nor a forgotten EnableTenantRowLevelSecurity call slips through.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class SchemaTests(DatabaseFixture f)
{
    private sealed record TableSecurity(bool Enabled, bool Forced, long Policies, long TenantIndexes, bool HasTenantColumn);

    [Fact]
    public async Task EveryTenantTable_HasForcedRowLevelSecurity_APolicy_AndATenantIndex()
    {
        var tables = await ReadTablesAsync();
        using var db = f.Db.AppContext(null);
        var modelTables = db.Model.GetEntityTypes()
            .Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType))
            .Select(e => e.GetTableName()!)
            .ToHashSet();
        var tenantTables = tables.Where(t => t.Value.HasTenantColumn).Select(t => t.Key).ToHashSet();

        Assert.True(tenantTables.Count >= 6, $"expected the tenant tables, found {tenantTables.Count}");
        Assert.Subset(tenantTables, modelTables);
        var problems = new List<string>();
        foreach (var name in tenantTables)
        {
            var t = tables[name];
            if (!t.Enabled) { problems.Add($"{name}: RLS not enabled"); }
            if (!t.Forced) { problems.Add($"{name}: RLS not forced (the table owner would bypass it)"); }
            if (t.Policies == 0) { problems.Add($"{name}: no policy"); }
            if (t.TenantIndexes == 0) { problems.Add($"{name}: no index leading with tenant_id"); }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Organizations_TheTenantTable_HasForcedRowLevelSecurity()
    {
        var t = (await ReadTablesAsync())["organizations"];
        Assert.True(t.Enabled && t.Forced && t.Policies == 2, $"{t}");
    }

    [Theory]
    [InlineData("users")]
    [InlineData("roles")]
    [InlineData("user_claims")]
    [InlineData("user_logins")]
    [InlineData("user_roles")]
    [InlineData("user_tokens")]
    [InlineData("role_claims")]
    [InlineData("data_protection_keys")]
    public async Task GlobalTables_HaveNoRowLevelSecurity(string table)
    {
        // Sign-in and the shared Data Protection key ring are used before any tenant is known.
        var t = (await ReadTablesAsync())[table];
        Assert.False(t.Enabled || t.HasTenantColumn, $"{table}: {t}");
    }

    [Fact]
    public async Task EveryPolicy_ReadsTheSettingThroughNullIf()
    {
        // ''::uuid would throw; NULLIF turns an unset or empty setting into NULL, which matches nothing.
        await using var conn = new NpgsqlConnection(f.Db.OwnerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT tablename || '.' || policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies WHERE schemaname = 'public'", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var count = 0;
        while (await r.ReadAsync())
        {
            count++;
            var text = r.GetString(1);
            Assert.True(text.Contains("NULLIF(current_setting('app.", StringComparison.Ordinal), $"{r.GetString(0)}: {text}");
        }

        Assert.True(count >= 9, $"{count} policies");
    }

    private async Task<Dictionary<string, TableSecurity>> ReadTablesAsync()
    {
        await using var conn = new NpgsqlConnection(f.Db.OwnerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policies p WHERE p.schemaname = n.nspname AND p.tablename = c.relname),
                   (SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                     WHERE i.indrelid = c.oid AND a.attname = 'tenant_id'),
                   EXISTS (SELECT 1 FROM pg_attribute col WHERE col.attrelid = c.oid AND col.attname = 'tenant_id' AND NOT col.attisdropped)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'
            """, conn);
        var tables = new Dictionary<string, TableSecurity>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            tables[r.GetString(0)] = new TableSecurity(r.GetBoolean(1), r.GetBoolean(2), r.GetInt64(3), r.GetInt64(4), r.GetBoolean(5));
        }

        return tables;
    }
}
