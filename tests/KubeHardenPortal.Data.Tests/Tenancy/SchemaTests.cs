using Npgsql;

namespace KubeHardenPortal.Data.Tests.Tenancy;

/// <summary>Every table with a tenant_id column must have RLS enabled and forced, a policy, and a tenant-leading index.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SchemaTests(DatabaseFixture f)
{
    [Fact]
    public async Task EveryTenantTable_HasForcedRowLevelSecurity_APolicy_AndATenantIndex()
    {
        await using var conn = new NpgsqlConnection(f.Db.OwnerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) AS policies,
                   (SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                     WHERE i.indrelid = c.oid AND a.attname = 'tenant_id') AS tenant_indexes
            FROM pg_class c JOIN pg_attribute col ON col.attrelid = c.oid AND col.attname = 'tenant_id'
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = 'public'
            """, conn);
        var problems = new List<string>();
        var tables = 0;
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            tables++;
            var name = r.GetString(0);
            if (!r.GetBoolean(1)) { problems.Add($"{name}: RLS not enabled"); }
            if (!r.GetBoolean(2)) { problems.Add($"{name}: RLS not forced"); }
            if (r.GetInt64(3) == 0) { problems.Add($"{name}: no policy"); }
            if (r.GetInt64(4) == 0) { problems.Add($"{name}: no index leading with tenant_id"); }
        }

        Assert.True(tables >= 6, $"expected the tenant tables, found {tables}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
